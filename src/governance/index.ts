export { ApiKeys, BOOTSTRAP_KEY_ID, type ApiKey } from './api-keys.js';
export { SCOPES, ScopeSchema, hasScope, type Principal, type Scope } from './scopes.js';
export { registerApiKeyRoutes } from './api-keys.routes.js';
