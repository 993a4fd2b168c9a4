import { useState, type FormEvent } from 'react';
import { navigate } from '../../router.js';
import { SUBJECT_TYPES, subjectOf } from './words.js';

/** Find one subject's consent: a type and a value make the subject the ledger keys on. */
export const SubjectSearch = ({ initial }: { initial?: string }) => {
  const colon = initial?.indexOf(':') ?? -1;
  const [type, setType] = useState(colon > 0 ? (initial ?? '').slice(0, colon) : 'msisdn');
  const [value, setValue] = useState(colon > 0 ? (initial ?? '').slice(colon + 1) : '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim() === '') return;
    navigate(`/consent/subjects/${encodeURIComponent(subjectOf(type, value))}`);
  };
  return (
    <form role="search" aria-label="Consent subject" className="search" onSubmit={submit}>
      <div className="field">
        <label htmlFor="subject-type">Subject type</label>
        <select id="subject-type" value={type} onChange={(e) => setType(e.target.value)}>
          {SUBJECT_TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field grow">
        <label htmlFor="subject-value">Subject value</label>
        <input
          id="subject-value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={type === 'msisdn' ? '+7 916 123-45-67' : ''}
        />
      </div>
      <button type="submit">Show consent history</button>
    </form>
  );
};
