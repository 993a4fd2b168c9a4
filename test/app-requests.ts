import { expect } from 'vitest';
import { bearer, type TestApp } from './test-app.js';

/**
 * What the integration suites ask of a test app: ingest events and let the pipeline catch up, GET
 * with the admin key, find a profile by identifier. `app` is read at each call (suites start a
 * new app before each test).
 */
export const appRequests = (app: () => TestApp) => {
  const get = async (url: string) => {
    const answer = await app().tessera.http.inject({ method: 'GET', url, headers: bearer() });
    expect(answer.statusCode, answer.body).toBe(200);
    return answer.json();
  };
  return {
    ingest: async (events: unknown[]): Promise<void> => {
      const answer = await app().tessera.http.inject({ method: 'POST', url: '/v1/events', headers: bearer(), payload: { events } });
      expect(answer.json().quarantined, answer.body).toBe(0);
      await app().tessera.services.pipeline.drain();
    },
    get,
    profileOf: async (type: string, value: string, at?: string): Promise<string> =>
      (await get(`/v1/profiles/lookup?type=${type}&value=${encodeURIComponent(value)}${at ? `&at=${at}` : ''}`)).profileId as string,
  };
};

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Requests with any key: `call` answers the raw response, `ok` checks the status and answers the
 * JSON body. The admin key unless `key` is given.
 */
export const apiCalls = (app: () => TestApp) => {
  const call = (method: Method, url: string, payload?: object, key?: string) =>
    app().tessera.http.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
  const ok = async (method: Method, url: string, payload?: object, status = 200, key?: string) => {
    const answer = await call(method, url, payload, key);
    expect(answer.statusCode, answer.body).toBe(status);
    return answer.json();
  };
  return { call, ok };
};

/** Like `apiCalls`, with the status and the parsed body (undefined when empty) given back together. */
export const apiJsonCalls = (app: () => TestApp) => {
  const call = async (method: Method, url: string, payload?: unknown, key?: string) => {
    const answer = await app().tessera.http.inject({
      method,
      url,
      headers: bearer(key),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: answer.statusCode, body: answer.body === '' ? undefined : answer.json() };
  };
  const ok = async (method: Method, url: string, payload?: unknown, status = 200) => {
    const answer = await call(method, url, payload);
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    return answer.body;
  };
  return { call, ok };
};
