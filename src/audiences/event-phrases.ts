/*
 * Verbs for event conditions in the natural-language rendering: what a person did, and the bare
 * form after "did not". Event types without a phrase fall back to "had a source/type event".
 */

export interface EventPhrase {
  /** "topped up" */
  readonly did: string;
  /** "top up" (after "did not") */
  readonly base: string;
}

export const EVENT_PHRASES: Readonly<Record<string, EventPhrase>> = {
  'billing/topup': { did: 'topped up', base: 'top up' },
  'billing/payment': { did: 'made a payment', base: 'make a payment' },
  'billing/bill_issued': { did: 'received a bill', base: 'receive a bill' },
  'billing/activation': { did: 'activated a line', base: 'activate a line' },
  'billing/tariff_change': { did: 'changed tariff', base: 'change tariff' },
  'billing/suspension': { did: 'had the line suspended', base: 'have the line suspended' },
  'billing/termination': { did: 'terminated a line', base: 'terminate a line' },
  'billing/port_out': { did: 'ported out', base: 'port out' },
  'billing/port_in': { did: 'ported in', base: 'port in' },
  'billing/balance_changed': { did: 'had a balance change', base: 'have a balance change' },
  'crm/case_opened': { did: 'opened a care case', base: 'open a care case' },
  'crm/case_resolved': { did: 'had a care case resolved', base: 'have a care case resolved' },
  'crm/consent_changed': { did: 'changed a consent', base: 'change a consent' },
  'network/data_session': { did: 'used mobile data', base: 'use mobile data' },
  'network/voice_call': { did: 'made or received a call', base: 'make or receive a call' },
  'network/roaming_started': { did: 'started roaming', base: 'start roaming' },
  'network/sim_change': { did: 'changed SIM', base: 'change SIM' },
  'app/app_open': { did: 'opened the app', base: 'open the app' },
  'app/app_action': { did: 'used an app feature', base: 'use an app feature' },
  'app/login': { did: 'logged in', base: 'log in' },
  'web/domain_visit': { did: 'visited a website', base: 'visit a website' },
  'web/page': { did: 'viewed a web page', base: 'view a web page' },
};

export const eventPhrase = (eventType: string): EventPhrase =>
  EVENT_PHRASES[eventType] ?? { did: `had a ${eventType} event`, base: `have a ${eventType} event` };
