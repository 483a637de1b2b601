export * from './address.js';
export * from './describe.js';
export * from './error-handling.js';
export * from './events.js';
export * from './server-description.js';
export * from './topology-description.js';
export * from './update-topology.js';
export * from './wire-version.js';
