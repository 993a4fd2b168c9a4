import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorDetail } from '../core/errors.js';

/** Fastify's own error codes, mapped onto Tessera's catalogue. */
const FASTIFY_CODES: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('UNSUPPORTED_MEDIA_TYPE'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new AppError('BAD_REQUEST', 'Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('BAD_REQUEST', 'the JSON body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('MALFORMED_JSON'),
};

export const toAppError = (error: FastifyError | AppError | Error): AppError => {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const details: ErrorDetail[] = fastifyError.validation.map((v) => ({
      path: `${fastifyError.validationContext ?? 'body'}${v.instancePath}`,
      message: v.message ?? 'is invalid',
      keyword: v.keyword,
    }));
    return new AppError('VALIDATION_FAILED', `the ${fastifyError.validationContext ?? 'request'} does not match its schema`, details);
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return mapped();
  if (fastifyError.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
  return new AppError('INTERNAL', undefined, [], { cause: error });
};

/** The one place errors become HTTP answers: `{ error: { code, message, details } }`. */
export const errorHandler = (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void => {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: appError.code, status: appError.status }, 'request refused');
  void reply.status(appError.status).type('application/json').send(appError.toJSON());
};

export const notFoundHandler = (request: FastifyRequest, reply: FastifyReply): void => {
  void reply.status(404).send(new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toJSON());
};
