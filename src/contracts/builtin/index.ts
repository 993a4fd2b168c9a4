import type { SourceContract } from '../contract.js';
import { appContract } from './app.js';
import { billingContract } from './billing.js';
import { crmContract } from './crm.js';
import { networkContract } from './network.js';
import { referenceContract } from './reference.js';
import { webContract } from './web.js';

export { appContract, billingContract, crmContract, networkContract, referenceContract, webContract };

/** The contracts Tessera registers on first start (origin `builtin`); docs/contract-catalogue.md describes them. */
export const BUILTIN_CONTRACTS: readonly SourceContract[] = [
  billingContract,
  crmContract,
  networkContract,
  appContract,
  webContract,
  referenceContract,
];
