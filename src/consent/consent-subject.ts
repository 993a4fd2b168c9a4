import type { CountryCode } from 'libphonenumber-js';
import { isIdentifierType, normaliseIdentifier } from '../identity/index.js';
import { SUBJECT_PATTERN } from './consent-model.js';

/*
 * Subjects: `profile:<id>` or `<identifier type>:<value>`. An identifier's value is normalised the
 * way identity resolution normalises it (E.164 phones in the default region, lower-case emails),
 * so "msisdn:8 (916) 123-45-67" and "msisdn:+79161234567" are one subject with one chain.
 */

const SUBJECT = new RegExp(SUBJECT_PATTERN);

export type SubjectResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

export const normaliseSubject = (subject: string, region: CountryCode): SubjectResult => {
  const trimmed = subject.trim();
  if (!SUBJECT.test(trimmed))
    return { ok: false, message: `subject '${subject}' must be profile:<id> or <identifier type>:<value>, e.g. msisdn:+79161234567` };
  const colon = trimmed.indexOf(':');
  const type = trimmed.slice(0, colon);
  const value = trimmed.slice(colon + 1);
  if (type === 'profile')
    return value.trim() === '' ? { ok: false, message: 'the profile id is empty' } : { ok: true, value: `profile:${value.trim()}` };
  if (!isIdentifierType(type)) return { ok: false, message: `'${type}' is neither profile nor an identifier type` };
  const normalised = normaliseIdentifier(type, value, region);
  return normalised.ok ? { ok: true, value: `${type}:${normalised.value}` } : { ok: false, message: normalised.message };
};
