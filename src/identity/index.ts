export { IDENTIFIER_TYPES, ROUTING_ORDER, isIdentifierType, type IdentifierType, type IdentifierClass } from './identifier-types.js';
export { normaliseIdentifier, IdentifierNormaliser, type NormaliseResult } from './normalise.js';
export { placeholderReason } from './placeholders.js';
export { BlockedIdentifiers, type BlockedIdentifier } from './blocked-identifiers.js';
export { registerBlockedIdentifierRoutes } from './blocked-identifiers.routes.js';
