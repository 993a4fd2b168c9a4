/** Subscriptions and deliveries: endpoints, status, failures, replay (being built). */
export const Subscriptions = (_props: { readonly path: string }) => (
  <section aria-labelledby="subscriptions-title">
    <h1 id="subscriptions-title">Subscriptions</h1>
  </section>
);
