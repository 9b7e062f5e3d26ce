// A body-parsing thread of body-pool.ts: parses big webhook bodies off the event loop.
// Plain JavaScript that loads the TypeScript sources through tsx: worker threads do not
// inherit the loader of the thread that started them.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// On a host with few cores a parse must not take a core from the event loop, which
// answers every other webhook meanwhile: this thread yields to it (#13). Linux keeps
// a nice value per thread; elsewhere the thread keeps the process's priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {}

register();
const { parseBody } = await import('./body-parse.ts');

parentPort.on('message', ({ id, bytes }) => {
  const outcome = parseBody(bytes);
  // The decoded media moves to the event loop's thread without a copy.
  const transfer = outcome.ok ? outcome.body.inline.flatMap((m) => (m.bytes ? [m.bytes.buffer] : [])) : [];
  parentPort.postMessage({ id, outcome }, transfer);
});
parentPort.postMessage({ ready: true });
