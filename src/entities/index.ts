export { EntityStage } from './entity-stage.js';
export { registerEntityRoutes, organisationsOfAccounts } from './entities.routes.js';
export { entitiesStore } from './entities.store.js';
export type { AccountState, OrganisationState } from './entity-state.js';
