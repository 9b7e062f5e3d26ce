export { MemoryBus } from './memory-bus.js';
export type { BusHandler, EventBus } from './types.js';
