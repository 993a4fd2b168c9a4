/**
 * A chart's figures as a table, visually hidden: screen readers and keyboard users reach the
 * numbers the chart draws. Rows are the window's minutes, newest first; empty minutes are left
 * out to keep a long window short.
 */
export const SeriesTable = ({
  caption,
  labels,
  columns,
}: {
  caption: string;
  labels: readonly string[];
  columns: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
}) => {
  const rows = labels
    .map((label, i) => ({ label, values: columns.map((c) => c.values[i] ?? null) }))
    .filter((row) => row.values.some((v) => v !== null && v !== 0))
    .reverse();
  return (
    <table className="visually-hidden">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Minute (UTC)</th>
          {columns.map((c) => (
            <th scope="col" key={c.name}>
              {c.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length + 1}>Nothing in this window.</td>
          </tr>
        ) : (
          rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              {row.values.map((v, i) => (
                <td key={columns[i]?.name ?? i}>{v === null ? '—' : v.toLocaleString('en')}</td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
};
