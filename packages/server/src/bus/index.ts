export { MemoryBus } from './memory-bus.js';
export { RedisBus } from './redis-bus.js';
export type { BusHandler, EventBus } from './types.js';
