export { Ingestor } from './ingestor.js';
