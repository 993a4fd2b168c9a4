/** Display helpers shared by the pages. */

export const formatDate = (iso: string | null | undefined): string => {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
};

export const formatValue = (value: unknown): string => {
  if (value === null || value === undefined) return '—';
  // Years and codes (1987, 25001) read better without a thousands separator.
  if (typeof value === 'number') return value.toLocaleString('en', { maximumFractionDigits: 3, useGrouping: Math.abs(value) >= 100_000 });
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}T/.test(value) ? formatDate(value) : value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object' && value !== null && 'value' in value && 'unit' in value) {
    const money = value as { value: unknown; unit: unknown };
    return `${formatValue(money.value)} ${String(money.unit)}`;
  }
  return JSON.stringify(value);
};

/** Flattens nested traits (`lastTopup.amount`) into rows, keeping money-like `{ value, unit }` whole. */
export const flatten = (object: Record<string, unknown>, prefix = ''): [string, unknown][] =>
  Object.entries(object).flatMap(([key, value]): [string, unknown][] => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('unit' in value && 'value' in value)) {
      return flatten(value as Record<string, unknown>, path);
    }
    return [[path, value]];
  });
