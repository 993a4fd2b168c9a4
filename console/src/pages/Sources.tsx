import { Link } from '../components/Link.js';
import { match } from '../router.js';
import { QuarantineBrowser } from './sources/QuarantineBrowser.js';
import { QuarantineEntryPage } from './sources/QuarantineEntryPage.js';
import { SourcePage } from './sources/SourcePage.js';
import { SourcesIndex } from './sources/SourcesIndex.js';

/**
 * Sources and contracts (issue 9, page 2). Routes its own sub-pages:
 * `/sources` (every source, all drift, the open quarantine), `/sources/quarantine` (the browser,
 * filters in the query), `/sources/quarantine/:entryId` (fix-and-replay) and `/sources/:id`.
 * `quarantine` is matched first, so it is reserved: no source may be opened under that id.
 */
export const Sources = ({ path }: { readonly path: string }) => {
  const clean = path.replace(/\/+$/, '') || '/sources';
  if (clean === '/sources') return <SourcesIndex />;
  if (clean === '/sources/quarantine') return <QuarantineBrowser />;
  const entry = match('/sources/quarantine/:entryId', clean);
  if (entry) return <QuarantineEntryPage entryId={entry.entryId as string} />;
  const source = match('/sources/:id', clean);
  if (source) return <SourcePage sourceId={source.id as string} />;
  return (
    <section aria-labelledby="sources-not-found">
      <h1 id="sources-not-found">Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/sources">Back to the sources</Link>.
      </p>
    </section>
  );
};
