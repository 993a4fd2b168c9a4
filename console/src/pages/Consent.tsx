import { useEffect } from 'react';
import { match, useLocation } from '../router.js';
import { LegalBasisReport, ReportLookup } from './consent/LegalBasisReport.js';
import { Consumers, Notices, Purposes } from './consent/Registers.js';
import { SubjectHistory } from './consent/SubjectHistory.js';
import { SubjectSearch } from './consent/SubjectSearch.js';

const ConsentHome = () => {
  useEffect(() => {
    document.title = 'Consent · Tessera';
  }, []);
  return (
    <section aria-labelledby="consent-title">
      <h1 id="consent-title">Consent</h1>
      <div className="grid">
        <section className="card" aria-labelledby="find-subject">
          <h2 id="find-subject">One subject's consent</h2>
          <SubjectSearch />
        </section>
        <section className="card" aria-labelledby="find-report">
          <h2 id="find-report">Legal-basis report</h2>
          <ReportLookup />
        </section>
      </div>
      <Purposes />
      <Notices />
      <Consumers />
    </section>
  );
};

/** Consent: purposes, notices, consumers, one subject's history and the legal-basis report (docs/console.md). */
export const Consent = ({ path }: { readonly path: string }) => {
  const { search } = useLocation();
  const subject = match('/consent/subjects/:subject', path);
  if (subject?.subject) return <SubjectHistory key={subject.subject} subject={subject.subject} asOf={search.get('asOf') ?? undefined} />;
  const report = match('/consent/reports/:id', path);
  if (report?.id) return <LegalBasisReport key={report.id} id={report.id} />;
  return <ConsentHome />;
};
