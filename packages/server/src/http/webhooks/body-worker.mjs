// A body-parsing thread of body-pool.ts: parses big webhook bodies off the event loop.
// Plain JavaScript, because worker threads do not inherit the TypeScript loader of the thread
// that started them. Built (dist/), body-parse.js sits next to this file; in the sources
// (tests, NEWTON_FROM_SOURCE=1) it loads body-parse.ts through tsx.
import { existsSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

// On a host with few cores a parse must not take a core from the event loop, which
// answers every other webhook meanwhile: this thread yields to it (#13). Linux keeps
// a nice value per thread; elsewhere the thread keeps the process's priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {}

const compiled = new URL('./body-parse.js', import.meta.url);
let parseBody;
if (existsSync(compiled)) {
  ({ parseBody } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ parseBody } = await import('./body-parse.ts'));
}

parentPort.on('message', ({ id, bytes }) => {
  const outcome = parseBody(bytes);
  // The decoded media moves to the event loop's thread without a copy.
  const transfer = outcome.ok ? outcome.body.inline.flatMap((m) => (m.bytes ? [m.bytes.buffer] : [])) : [];
  parentPort.postMessage({ id, outcome }, transfer);
});
parentPort.postMessage({ ready: true });
