/**
 * The console's only way to the server: the public API, with the signed-in API key as a Bearer
 * token. The key lives in sessionStorage, so it is gone when the tab closes.
 */
const KEY_STORAGE = 'tessera.apiKey';

export const getApiKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);
export const setApiKey = (key: string): void => sessionStorage.setItem(KEY_STORAGE, key);
export const clearApiKey = (): void => sessionStorage.removeItem(KEY_STORAGE);

export interface ErrorDetail {
  readonly path?: string;
  readonly code?: string;
  readonly message: string;
}

/** An answer that is not 2xx, in Tessera's error form `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
  }
}

/** Listeners told when the server refuses the key (401), so the app can ask for another. */
const unauthorisedListeners = new Set<() => void>();
export const onUnauthorised = (listener: () => void): (() => void) => {
  unauthorisedListeners.add(listener);
  return () => unauthorisedListeners.delete(listener);
};

export const api = async <T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal; key?: string } = {},
): Promise<T> => {
  const key = init.key ?? getApiKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  const body: unknown = isJson && text !== '' ? JSON.parse(text) : text;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    if (response.status === 401 && init.key === undefined) for (const listener of unauthorisedListeners) listener();
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? response.statusText,
      error?.details ?? [],
    );
  }
  return body as T;
};

export const errorText = (error: unknown): string =>
  error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
