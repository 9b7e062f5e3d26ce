/**
 * readBody (body-reader.ts) on a real HTTP server, with the body posted by
 * another process as a provider would: a big body arrives whole and intact,
 * with or without a Content-Length, and is read one chunk per event-loop
 * turn past YIELD_AFTER_BYTES, so that the node's other webhooks get their
 * turns while it streams in (#13).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { readBody, YIELD_AFTER_BYTES } from './body-reader.js';

const SIZE = 8 * 1024 * 1024;
const body = randomBytes(SIZE);
const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Read {
  bytes: Buffer;
  /** data events after the first YIELD_AFTER_BYTES. */
  lateChunks: number;
  /** Event-loop turns (setImmediate callbacks) run while those arrived. */
  turns: number;
}

let server: Server;
let url: string;
const reads: Read[] = [];

before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let seen = 0;
    let lateChunks = 0;
    let turns = 0;
    let reading = true;
    const tick = () => {
      if (!reading) return;
      if (seen > YIELD_AFTER_BYTES) turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    req.on('data', (c: Buffer) => {
      if (seen > YIELD_AFTER_BYTES) lateChunks++;
      seen += c.length;
    });
    readBody(req, 64 * 1024 * 1024).then(
      (bytes) => {
        reading = false;
        reads.push({ bytes, lateChunks, turns });
        res.end(JSON.stringify({ ok: true }));
      },
      (err: Error) => {
        reading = false;
        res.statusCode = 500;
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Posts `body` from a child process: with a Content-Length, or chunked without one. */
function post(withLength: boolean): Promise<number> {
  const script = `const http = require('node:http');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const body = Buffer.concat(chunks);
  const headers = { 'content-type': 'application/json' };
  if (${withLength}) headers['content-length'] = body.length;
  const req = http.request(process.argv[1], { method: 'POST', headers }, (res) => {
    res.resume();
    res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
  });
  if (${withLength}) req.end(body);
  else { for (let at = 0; at < body.length; at += 1 << 20) req.write(body.subarray(at, at + (1 << 20))); req.end(); }
});`;
  const child = spawn(process.execPath, ['-e', script, url], { stdio: ['pipe', 'inherit', 'inherit'] });
  child.stdin.end(body);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

for (const withLength of [true, false]) {
  test(`an 8 MiB body ${withLength ? 'with' : 'without'} a Content-Length: whole, and one chunk per turn`, async () => {
    const before = reads.length;
    assert.equal(await post(withLength), 0, 'the post was answered 200');
    const read = reads[before] as Read;
    assert.equal(read.bytes.length, SIZE);
    assert.equal(digest(read.bytes), digest(body), 'the same bytes, in order');
    assert.ok(read.lateChunks > 8, `the body came in many chunks (${read.lateChunks})`);
    // Unyielded, libuv hands over up to 32 chunks per turn; here each chunk waits for a turn.
    assert.ok(
      read.turns >= read.lateChunks - 1,
      `${read.turns} event-loop turns for ${read.lateChunks} chunks past ${YIELD_AFTER_BYTES} bytes`,
    );
  });
}
