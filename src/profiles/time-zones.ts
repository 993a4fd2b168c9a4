/**
 * The IANA time zone of a Russian federal subject (ISO 3166-2:RU), for counting a person's days in
 * their own time (aggregates are kept in daily buckets in the person's time zone). Subjects not
 * listed keep Moscow time. Codes of other countries answer undefined: the configured default applies.
 */
const ZONES: Readonly<Record<string, readonly string[]>> = {
  'Europe/Kaliningrad': ['KGD'],
  'Europe/Samara': ['SAM', 'UD'],
  'Europe/Ulyanovsk': ['ULY'],
  'Europe/Astrakhan': ['AST'],
  'Europe/Saratov': ['SAR'],
  'Asia/Yekaterinburg': ['SVE', 'BA', 'CHE', 'KGN', 'ORE', 'PER', 'TYU', 'KHM', 'YAN'],
  'Asia/Omsk': ['OMS'],
  'Asia/Novosibirsk': ['NVS'],
  'Asia/Barnaul': ['ALT', 'AL'],
  'Asia/Tomsk': ['TOM'],
  'Asia/Novokuznetsk': ['KEM'],
  'Asia/Krasnoyarsk': ['KYA', 'TY', 'KK'],
  'Asia/Irkutsk': ['IRK', 'BU'],
  'Asia/Chita': ['ZAB'],
  'Asia/Yakutsk': ['SA', 'AMU'],
  'Asia/Vladivostok': ['PRI', 'KHA', 'YEV'],
  'Asia/Magadan': ['MAG'],
  'Asia/Sakhalin': ['SAK'],
  'Asia/Kamchatka': ['KAM', 'CHU'],
};

const BY_SUBJECT = new Map(Object.entries(ZONES).flatMap(([zone, subjects]) => subjects.map((s) => [s, zone] as const)));

export const regionTimeZone = (region: string): string | undefined => {
  const [country, subject] = region.toUpperCase().split('-');
  if (country !== 'RU' || subject === undefined) return undefined;
  return BY_SUBJECT.get(subject) ?? 'Europe/Moscow';
};
