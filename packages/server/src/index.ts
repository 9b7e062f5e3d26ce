/** Public face of @newton/server. */

export type { NewtonNode } from './app.js';
export { startNode } from './app.js';
export type { Config } from './config.js';
export { ConfigError, loadConfig } from './config.js';
export { ErrorTable, NewtonError } from './core/index.js';
