import { useEffect, useState } from 'react';

/** A small client-side router over the History API: the server answers index.html for any page path. */
const listeners = new Set<() => void>();

export const navigate = (to: string): void => {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  for (const listener of listeners) listener();
};

export const useLocation = (): { path: string; search: URLSearchParams } => {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((n) => n + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
};

/** Matches `/profiles/:id` style patterns; answers the parameters or undefined. */
export const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(s[i] as string);
    else if (part !== s[i]) return undefined;
  }
  return params;
};
