/**
 * The contracts every layer shares: tenants, instances and messages, the one
 * event type with the bus and event-log interfaces, the provider client, the
 * sinks webhook adapters hand their work to, the error table, the logger and
 * WhatsApp's number rules. `core` imports only `@newton/protocol` and
 * libraries; every other folder of the server may import it.
 */
export * from './auth.js';
export * from './errors.js';
export type * from './events.js';
export * from './ids.js';
export * from './instance-patch.js';
export type * from './leads.js';
export { createLogger, type Logger, lazyChild, redactUrl } from './logger.js';
export * from './media-blobs.js';
export * from './media-sniff.js';
export type * from './messages.js';
export * from './own-number.js';
export type * from './presence.js';
export * from './provider.js';
export type * from './sinks.js';
export type * from './upstream.js';
export * from './validation.js';
