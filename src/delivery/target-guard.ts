import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { ErrorDetail } from '../core/errors.js';

/*
 * Webhook targets and server-side request forgery. A subscription may only name a public
 * http(s) address: loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade
 * NAT, documentation, multicast and reserved ranges are refused unless the operator allows them
 * (TESSERA_WEBHOOK_ALLOW_PRIVATE). A name is resolved and refused when any of its addresses is
 * not public — when the subscription is saved, and again on every connection through
 * `guardedLookup`, which hands the socket the very address it checked, so a name that resolves
 * to a public address once and to 127.0.0.1 later (DNS rebinding) is still refused. Redirects are
 * never followed (an attempt answered 3xx fails), so a public endpoint cannot bounce a delivery
 * inward either.
 */

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: may reach an internal IPv4 address
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** An IPv4 address carried in an IPv6 one (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `::127.0.0.1`). */
const embeddedIpv4 = (address: string): string | undefined => {
  const lower = address.toLowerCase();
  const dotted = /^::(?:ffff:(?:0:)?)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1] as string, 16);
    const lo = parseInt(hex[2] as string, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
};

/** True for an IP address a webhook may reach by default; anything unreadable is not public. */
export const isPublicAddress = (address: string): boolean => {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return !NON_PUBLIC.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4 !== undefined) return isPublicAddress(v4);
    return !NON_PUBLIC.check(bare, 'ipv6');
  }
  return false;
};

export type Resolve = (hostname: string) => Promise<readonly string[]>;

export const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );

const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Every problem of a webhook URL, each with a code (`INVALID_URL`, `UNSUPPORTED_SCHEME`,
 * `CREDENTIALS_IN_URL`, `PRIVATE_TARGET`, `UNRESOLVABLE_HOST`); empty when it may be used.
 */
export const checkWebhookUrl = async (
  text: string,
  options: { readonly allowPrivate: boolean; readonly resolve?: Resolve },
  path = '/url',
): Promise<ErrorDetail[]> => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ path, code: 'INVALID_URL', message: 'not an absolute URL' }];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return [{ path, code: 'UNSUPPORTED_SCHEME', message: 'a webhook URL is http:// or https://' }];
  if (url.username !== '' || url.password !== '')
    return [
      {
        path,
        code: 'CREDENTIALS_IN_URL',
        message: 'credentials in the URL would be stored and shown; the signature authenticates deliveries',
      },
    ];
  if (options.allowPrivate) return [];
  const host = hostOf(url);
  if (isIP(host) !== 0)
    return isPublicAddress(host)
      ? []
      : [{ path, code: 'PRIVATE_TARGET', message: `${host} is not a public address (loopback, private, link-local or reserved)` }];
  let addresses: readonly string[];
  try {
    addresses = await (options.resolve ?? systemResolve)(host);
  } catch {
    return [{ path, code: 'UNRESOLVABLE_HOST', message: `${host} does not resolve` }];
  }
  const refused = addresses.filter((a) => !isPublicAddress(a));
  if (addresses.length === 0) return [{ path, code: 'UNRESOLVABLE_HOST', message: `${host} does not resolve` }];
  return refused.length > 0
    ? [{ path, code: 'PRIVATE_TARGET', message: `${host} resolves to an address that is not public (${refused.join(', ')})` }]
    : [];
};

/** Refuses an IP-literal target at send time (Node connects to literals without a lookup). */
export const literalTargetRefused = (url: URL, allowPrivate: boolean): string | undefined => {
  const host = hostOf(url);
  if (allowPrivate || isIP(host) === 0 || isPublicAddress(host)) return undefined;
  return `target refused: ${host} is not a public address`;
};

export class PrivateTargetError extends Error {
  readonly code = 'PRIVATE_TARGET';
  constructor(message: string) {
    super(message);
    this.name = 'PrivateTargetError';
  }
}

/**
 * A `lookup` for node:http(s) that resolves, refuses any non-public address, and gives the socket
 * the addresses it checked (no second resolution between check and connect).
 */
export const guardedLookup =
  (allowPrivate: boolean, resolve: Resolve = systemResolve): LookupFunction =>
  (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.filter((a) => !isPublicAddress(a));
        if (addresses.length === 0) return callback(new Error(`${hostname} does not resolve`) as NodeJS.ErrnoException, '', 4);
        if (!allowPrivate && refused.length > 0)
          return callback(
            new PrivateTargetError(
              `target refused: ${hostname} resolves to ${refused.join(', ')}, not a public address`,
            ) as NodeJS.ErrnoException,
            '',
            4,
          );
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const all: LookupAddress[] = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => wanted === 0 || a.family === wanted);
        if (all.length === 0) return callback(new Error(`${hostname} has no IPv${wanted} address`) as NodeJS.ErrnoException, '', 4);
        if (options.all) return (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, all);
        const first = all[0] as LookupAddress;
        return callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };
