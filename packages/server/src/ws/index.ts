export type { GatewayOptions, TenantSockets } from './gateway.js';
export { Gateway } from './gateway.js';
