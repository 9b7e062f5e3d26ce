export { Gateway } from './gateway.js';
export type { GatewayObserver, GatewayOptions } from './gateway-options.js';
export type { TenantSocketStats, TenantSockets } from './tenant-streams.js';
