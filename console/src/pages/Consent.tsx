/** Consent: purposes, notices, consumers, one subject's history and the legal-basis report (being built). */
export const Consent = (_props: { readonly path: string }) => (
  <section aria-labelledby="consent-title">
    <h1 id="consent-title">Consent</h1>
  </section>
);
