import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Structured JSON logs; secrets are redacted wherever they could appear. */
export const createLogger = (level: LogLevel): Logger =>
  pino({
    level,
    base: { service: 'tessera' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.writeKey', '*.apiKey', '*.key'],
      censor: '[redacted]',
    },
  });
