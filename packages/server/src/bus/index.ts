/**
 * Event buses: the in-process default and Redis pub/sub for many nodes. Both
 * implement core's `EventBus`; nothing here knows of the store, providers,
 * HTTP or sockets.
 */
export { MemoryBus } from './memory-bus.js';
export { RedisBus } from './redis-bus.js';
