import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { builtinEvent } from './builtin-event.js';
import { ROOT } from './spawn-server.js';

/**
 * Demo-like data for the console's end-to-end tests: 40 people in families of three (one account
 * each), with activations, CRM details, top-ups, app logins and data sessions over the last two
 * months, and one person (`CONSOLE_DEMO_MSISDN`) with a passport and a SIM change, so the identity
 * graph has identifiers of every kind and a link whose validity ended.
 */
export const CONSOLE_DEMO_MSISDN = '+79161110003';
const PEOPLE = 40;
const NAMES = [
  'Anna Petrova',
  'Ivan Sokolov',
  'Olga Smirnova',
  'Dmitry Ivanov',
  'Elena Kuznetsova',
  'Sergey Popov',
  'Maria Volkova',
  'Alexey Morozov',
];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export const consoleDemoEvents = (now: Date): unknown[] => {
  const at = (days: number, hours = 0) => new Date(now.getTime() - days * 86_400_000 - hours * 3_600_000).toISOString();
  const events: unknown[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const msisdn = `+7916111${pad(i, 4)}`;
    const imsi = `2500101${pad(i, 8)}`;
    const iccid = `89701012${pad(i, 11)}`;
    const accountId = `A-${100 + Math.floor(i / 3)}`;
    const prepaid = i % 3 !== 1;
    events.push(
      builtinEvent(
        'billing',
        'activation',
        at(60 - (i % 20)),
        { msisdn, imsi, iccid, accountId },
        {
          tariffId: prepaid ? 'T-SMART-2024' : 'T-FAMILY-2024',
          planType: prepaid ? 'prepaid' : 'postpaid',
        },
      ),
    );
    const name = NAMES[i % NAMES.length] as string;
    events.push(
      builtinEvent(
        'crm',
        'customer_changed',
        at(40 - (i % 10)),
        { msisdn, email: `${name.split(' ')[0]?.toLowerCase()}.${i}@example.org` },
        {
          name,
          homeRegion: i % 2 === 0 ? 'RU-MOW' : 'RU-SPE',
          ...(i === 3 ? { passport: '4510 123456' } : {}),
        },
      ),
    );
    for (let k = 0; k < i % 5; k++)
      events.push(
        builtinEvent('billing', 'topup', at(25 - k * 4, i % 7), { msisdn }, { amount: { value: 100 * (1 + (i % 4)), unit: 'RUB' } }),
      );
    if (i % 4 !== 3 || i === 3)
      events.push(builtinEvent('app', 'login', at(2 + (i % 10)), { msisdn, appUserId: `u-${1000 + i}`, deviceId: `d-${pad(i, 6)}` }));
    if (i % 2 === 1) events.push(builtinEvent('network', 'data_session', at(1 + (i % 6)), { msisdn, imsi }));
    if (i === 3) {
      events.push(
        builtinEvent(
          'network',
          'sim_change',
          at(8),
          { msisdn, iccid: '8970109999888870003', imsi: '250010987650003' },
          {
            oldIccid: iccid,
            oldImsi: imsi,
            newIccid: '8970109999888870003',
            newImsi: '250010987650003',
          },
        ),
      );
    }
  }
  return events;
};

/** Two saved audiences created before the data arrives, so the pipeline keeps their members. */
export const CONSOLE_DEMO_AUDIENCES = [
  {
    id: 'aud-prepaid-toppers',
    name: 'Prepaid toppers',
    entity: 'person',
    rule: {
      combinator: 'and',
      rules: [
        { field: 'traits.planType', operator: '=', value: 'prepaid' },
        { field: 'event', operator: 'performed', eventType: 'billing/topup', count: { op: 'atLeast', n: 2 }, window: { lastDays: 30 } },
      ],
    },
  },
  {
    id: 'aud-moscow',
    name: 'Moscow residents',
    entity: 'person',
    rule: { combinator: 'and', rules: [{ field: 'traits.homeRegion', operator: '=', value: 'RU-MOW' }] },
    holdoutPercent: 10,
  },
];

const newestMtime = (path: string): number => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
};

/**
 * Builds the console (as `npm run build` does) unless dist/console is newer than its sources, so
 * the browser tests what the source says. The build goes to a temporary folder that then replaces
 * dist/console, so a server starting meanwhile never sees half a build.
 */
export const ensureConsoleBuilt = (): { built: boolean; ms: number } => {
  const started = Date.now();
  const out = join(ROOT, 'dist', 'console');
  const index = join(out, 'index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'console')), statSync(join(ROOT, 'package-lock.json')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return { built: false, ms: 0 };
  const temporary = join(ROOT, 'dist', `console.build-${process.pid}`);
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'console', '--outDir', temporary],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  if (result.status !== 0) {
    rmSync(temporary, { recursive: true, force: true });
    throw new Error(`vite build of the console failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(temporary, out);
  return { built: true, ms: Date.now() - started };
};
