// A body-parsing thread of body-pool.ts: parses big webhook bodies off the event loop.
// Plain JavaScript that loads the TypeScript sources through tsx: worker threads do not
// inherit the loader of the thread that started them.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { parseBody } = await import('./body-parse.ts');

parentPort.on('message', ({ id, bytes }) => {
  const outcome = parseBody(bytes);
  // The decoded media moves to the event loop's thread without a copy.
  const transfer = outcome.ok ? outcome.body.inline.flatMap((m) => (m.bytes ? [m.bytes.buffer] : [])) : [];
  parentPort.postMessage({ id, outcome }, transfer);
});
parentPort.postMessage({ ready: true });
