export type { GatewayObserver, GatewayOptions, TenantSocketStats, TenantSockets } from './gateway.js';
export { Gateway } from './gateway.js';
