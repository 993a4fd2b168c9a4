import { useEffect, useState } from 'react';

interface Decoded {
  readonly version: string;
  readonly created: string;
  readonly lastUpdated: string;
  readonly cmp: string;
  readonly consentLanguage: string;
  readonly publisherCountryCode: string;
  readonly vendorListVersion: string;
  readonly policyVersion: string;
  readonly purposeConsents: readonly number[];
  readonly purposeLegitimateInterests: readonly number[];
  readonly specialFeatureOptIns: readonly number[];
  readonly vendorConsents: readonly number[];
}

interface Vector {
  forEach(callback: (value: boolean, id: number) => void): void;
}

const idsOf = (vector: Vector): number[] => {
  const ids: number[] = [];
  vector.forEach((value, id) => {
    if (value) ids.push(id);
  });
  return ids.sort((a, b) => a - b);
};

const iso = (date: Date | undefined): string => (date && !Number.isNaN(date.getTime()) ? date.toISOString() : '—');

/**
 * The IAB TCF v2 string a consent event came with, decoded in the browser by the same library the
 * server reads it with (@iabtechlabtcf/core), loaded only when a string is opened. The server
 * decides; this shows what the string says.
 */
const decode = async (tcString: string): Promise<Decoded> => {
  const { TCString } = await import('@iabtechlabtcf/core');
  const model = TCString.decode(tcString);
  return {
    version: String(model.version),
    created: iso(model.created),
    lastUpdated: iso(model.lastUpdated),
    cmp: `${model.cmpId} v${model.cmpVersion}`,
    consentLanguage: model.consentLanguage,
    publisherCountryCode: model.publisherCountryCode,
    vendorListVersion: String(model.vendorListVersion),
    policyVersion: String(model.policyVersion),
    purposeConsents: idsOf(model.purposeConsents),
    purposeLegitimateInterests: idsOf(model.purposeLegitimateInterests),
    specialFeatureOptIns: idsOf(model.specialFeatureOptins),
    vendorConsents: idsOf(model.vendorConsents),
  };
};

const list = (ids: readonly number[]): string => (ids.length === 0 ? 'none' : ids.join(', '));

export const TcfString = ({ tcString, vendorId }: { tcString: string; vendorId: number | null }) => {
  const [open, setOpen] = useState(false);
  const [decoded, setDecoded] = useState<Decoded | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open || decoded || error) return;
    decode(tcString).then(setDecoded, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [open, tcString, decoded, error]);

  return (
    <details className="tcf" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>TCF string{vendorId !== null ? ` (vendor ${vendorId})` : ''}</summary>
      <code className="wrap">{tcString}</code>
      {error && <p className="error">The string does not decode: {error}</p>}
      {decoded && (
        <dl className="pairs" aria-label="Decoded TCF string">
          <dt>Version</dt>
          <dd>
            {decoded.version} (policy {decoded.policyVersion}, vendor list {decoded.vendorListVersion})
          </dd>
          <dt>Created / updated</dt>
          <dd>
            {decoded.created} / {decoded.lastUpdated}
          </dd>
          <dt>CMP</dt>
          <dd>{decoded.cmp}</dd>
          <dt>Language, publisher country</dt>
          <dd>
            {decoded.consentLanguage}, {decoded.publisherCountryCode}
          </dd>
          <dt>Purposes consented</dt>
          <dd data-testid="tcf-purposes">{list(decoded.purposeConsents)}</dd>
          <dt>Purposes on legitimate interest</dt>
          <dd>{list(decoded.purposeLegitimateInterests)}</dd>
          <dt>Special features</dt>
          <dd>{list(decoded.specialFeatureOptIns)}</dd>
          <dt>Vendors consented</dt>
          <dd>
            {list(decoded.vendorConsents)}
            {vendorId !== null &&
              (decoded.vendorConsents.includes(vendorId) ? ` · vendor ${vendorId} consented` : ` · vendor ${vendorId} not consented`)}
          </dd>
        </dl>
      )}
      {open && !decoded && !error && <p aria-busy="true">Decoding…</p>}
    </details>
  );
};
