import { useState, type FormEvent } from 'react';
import { api, ApiError, setApiKey } from '../api.js';

/** Sign-in with an API key: checked against the API (any read the key may do), then kept for the tab. */
export const SignIn = ({ onSignedIn }: { onSignedIn: () => void }) => {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // A key without the audiences scope is still a valid key: 403 means "valid, not allowed here".
      await api('/v1/audiences/fields', { key: trimmed }).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 403) return;
        throw err;
      });
      setApiKey(trimmed);
      onSignedIn();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401 ? 'This API key is not valid.' : `Could not sign in: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form onSubmit={submit} aria-labelledby="signin-title" className="card">
        <h1 id="signin-title">Tessera console</h1>
        <p>Sign in with an API key. It is kept in this tab only and sent as a Bearer token with every request.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'signin-error' : undefined}
        />
        {error && (
          <p id="signin-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
};
