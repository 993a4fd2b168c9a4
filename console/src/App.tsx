import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { clearApiKey, getApiKey, onUnauthorised } from './api.js';
import { Link } from './components/Link.js';
import { AudienceBuilder } from './pages/AudienceBuilder.js';
import { AudienceList } from './pages/AudienceList.js';
import { Overview } from './pages/Overview.js';
import { ProfileExplorer } from './pages/ProfileExplorer.js';
import { SignIn } from './pages/SignIn.js';
import { Consent } from './pages/Consent.js';
import { Sources } from './pages/Sources.js';
import { Subscriptions } from './pages/Subscriptions.js';
import { match, useLocation } from './router.js';

const NAV: readonly { readonly to: string; readonly label: string }[] = [
  { to: '/', label: 'Overview' },
  { to: '/profiles', label: 'Profiles' },
  { to: '/audiences', label: 'Audiences' },
  { to: '/sources', label: 'Sources' },
  { to: '/consent', label: 'Consent' },
  { to: '/subscriptions', label: 'Subscriptions' },
];

const Page = ({ path }: { path: string }) => {
  if (path === '/' || path === '') return <Overview />;
  if (path === '/profiles') return <ProfileExplorer profileId={undefined} />;
  const profile = match('/profiles/:id', path);
  if (profile) return <ProfileExplorer profileId={profile.id} />;
  if (path === '/audiences') return <AudienceList />;
  if (path === '/audiences/new') return <AudienceBuilder audienceId={undefined} />;
  const audience = match('/audiences/:id', path);
  if (audience) return <AudienceBuilder audienceId={audience.id} />;
  // Each section below routes its own sub-pages (e.g. /sources/:id, /consent/subjects/:subject).
  if (path === '/sources' || path.startsWith('/sources/')) return <Sources path={path} />;
  if (path === '/consent' || path.startsWith('/consent/')) return <Consent path={path} />;
  if (path === '/subscriptions' || path.startsWith('/subscriptions/')) return <Subscriptions path={path} />;
  return (
    <section aria-labelledby="not-found">
      <h1 id="not-found">Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Back to the overview</Link>.
      </p>
    </section>
  );
};

export const App = () => {
  const [signedIn, setSignedIn] = useState(() => getApiKey() !== null);
  const { path } = useLocation();
  const queryClient = useQueryClient();

  useEffect(
    () =>
      onUnauthorised(() => {
        clearApiKey();
        queryClient.clear();
        setSignedIn(false);
      }),
    [queryClient],
  );

  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;

  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand" aria-label="Tessera console">
          Tessera
        </span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} {...(section === item.to ? { 'aria-current': 'page' as const } : {})}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            clearApiKey();
            queryClient.clear();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </div>
  );
};
