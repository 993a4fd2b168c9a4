import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, guardedLookup, isPublicAddress } from './target-guard.js';

const resolveTo =
  (table: Record<string, string[]>) =>
  async (host: string): Promise<string[]> => {
    const found = table[host];
    if (!found) throw new Error('ENOTFOUND');
    return found;
  };
const codes = async (url: string, resolve = resolveTo({}), allowPrivate = false) =>
  (await checkWebhookUrl(url, { allowPrivate, resolve })).map((i) => i.code);

describe('webhook targets (SSRF)', () => {
  it('tells public addresses from loopback, private, link-local and reserved ones', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2a00:1450:4010:c05::65', '[2606:4700:4700::1111]']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.5',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a00:1',
      '2002:7f00:1::',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('refuses literal private targets in every spelling the URL parser accepts', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://2130706433/', // decimal 127.0.0.1
      'http://0x7f.1/', // hex
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'https://192.168.0.10/',
      'http://0/',
    ])
      expect(await codes(url, resolveTo({ localhost: ['127.0.0.1', '::1'] })), url).toEqual(['PRIVATE_TARGET']);
  });

  it('refuses a name that resolves to a private address, even one among public ones', async () => {
    const resolve = resolveTo({
      'internal.example.com': ['10.0.0.7'],
      'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
      'hooks.example.com': ['93.184.215.14'],
    });
    expect(await codes('https://internal.example.com/x', resolve)).toEqual(['PRIVATE_TARGET']);
    expect(await codes('https://mixed.example.com/x', resolve)).toEqual(['PRIVATE_TARGET']);
    expect(await codes('https://hooks.example.com/x', resolve)).toEqual([]);
    expect(await codes('https://nowhere.example.com/x', resolve)).toEqual(['UNRESOLVABLE_HOST']);
  });

  it('refuses other schemes and credentials; allows private targets only when configured', async () => {
    expect(await codes('file:///etc/passwd')).toEqual(['UNSUPPORTED_SCHEME']);
    expect(await codes('gopher://10.0.0.1:25/')).toEqual(['UNSUPPORTED_SCHEME']);
    expect(await codes('https://user:pw@93.184.215.14/')).toEqual(['CREDENTIALS_IN_URL']);
    expect(await codes('not a url')).toEqual(['INVALID_URL']);
    expect(await codes('http://127.0.0.1:9/hook', resolveTo({}), true)).toEqual([]);
  });

  it('checks again at connection time and hands the socket the checked address (DNS rebinding)', async () => {
    let answer = ['93.184.215.14'];
    const lookup = guardedLookup(false, async () => answer);
    const call = (options: object) =>
      new Promise<{ err: Error | null; address: unknown }>((resolve) =>
        lookup('rebind.example.com', options as never, ((err: Error | null, address: unknown) => resolve({ err, address })) as never),
      );
    expect(await call({})).toEqual({ err: null, address: '93.184.215.14' });
    expect(await call({ all: true })).toEqual({ err: null, address: [{ address: '93.184.215.14', family: 4 }] });
    answer = ['127.0.0.1'];
    const refused = await call({});
    expect(refused.err?.message).toMatch(/target refused: rebind.example.com resolves to 127.0.0.1/);
  });
});
