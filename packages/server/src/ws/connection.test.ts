/**
 * A Connection against a socket whose buffer the test empties by hand (the
 * client reading), so that when frames leave, and when the slow-consumer
 * check looks, is decided here rather than by the kernel's buffer sizes.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { eventually } from '../../testing/harness.js';
import { createLogger, type TenantEvent } from '../core/index.js';
import { Connection } from './connection.js';
import { FlushScheduler } from './flush-scheduler.js';
import { type FramedEvent, frameEvent, type ReplaySource } from './framed-event.js';

const LIMIT = 4096;

/** The TCP socket: keeps what is written until the client reads it. */
class FakeSocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  readonly sent: Buffer[] = [];
  write(buf: Buffer): boolean {
    this.sent.push(buf);
    this.writableLength += buf.length;
    return false;
  }
  cork(): void {}
  uncork(): void {}
  /** The client reads everything buffered. */
  read(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
  /** Payloads of the text frames written so far (server frames are unmasked). */
  payloads(): Record<string, unknown>[] {
    const all = Buffer.concat(this.sent);
    const out: Record<string, unknown>[] = [];
    for (let at = 0; at < all.length; ) {
      let len = (all[at + 1] as number) & 0x7f;
      let head = 2;
      if (len === 126) {
        len = all.readUInt16BE(at + 2);
        head = 4;
      }
      out.push(JSON.parse(all.subarray(at + head, at + head + len).toString('utf8')));
      at += head + len;
    }
    return out;
  }
}

/** The WebSocket over it: open until closed. */
class FakeWs extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  closedWith: [number, string] | undefined;
  close(code: number, reason: string): void {
    this.closedWith ??= [code, reason];
    this.readyState = WebSocket.CLOSING;
  }
  terminate(): void {
    this.readyState = WebSocket.CLOSED;
  }
}

const event = (seq: number): TenantEvent => ({
  tenantId: 't',
  seq,
  type: 'new_message',
  frame: JSON.stringify({ type: 'new_message', seq, text: 'x'.repeat(80) }),
});

/** A tenant whose log holds seq 1..`last` and nothing in memory. */
function logOnly(last: number): ReplaySource {
  return {
    tenantId: 't',
    logState: async () => ({ lastSeq: last, prunedThrough: 0 }),
    cachedAfter: () => undefined,
    replayAllAfter: () => undefined,
    readLogPage: async (after: number, limit: number): Promise<FramedEvent[]> => {
      const seqs = Array.from(
        { length: Math.max(0, Math.min(limit, last - after)) },
        (_, i) => after + 1 + i,
      );
      return seqs.map((s) => frameEvent(event(s)));
    },
  };
}

describe('Connection', () => {
  test('live events that arrive during a log replay follow its tail once that has left the buffer: a reading client is not closed as slow', async () => {
    const ws = new FakeWs();
    const socket = new FakeSocket();
    const conn = new Connection(
      ws as unknown as WebSocket,
      socket as unknown as Duplex,
      logOnly(600),
      { userId: 'u', tenants: ['t'], role: 'agent', exp: Date.now() / 1000 + 600 },
      { flusher: new FlushScheduler(), logger: createLogger('silent', 'test'), maxBufferBytes: LIMIT },
    );
    conn.startAfter(600);
    const resumed = conn.resume(0);
    // The first page (500 events, many times the limit) waits for the client.
    await eventually(() => socket.writableLength > LIMIT, 5000, 'the first replay page');
    conn.deliver(frameEvent(event(601)));
    socket.read();
    // The last page and `resumed`, again over the limit: the client has not read them yet.
    await eventually(() => socket.writableLength > LIMIT, 5000, 'the last replay page');
    assert.equal(ws.closedWith, undefined, 'not closed while the client reads the replay');
    assert.ok(
      !socket.payloads().some((f) => f.seq === 601),
      'the live event waits for the replay to leave the buffer',
    );
    socket.read();
    await resumed;
    await eventually(() => socket.payloads().some((f) => f.seq === 601), 5000, 'the live event');
    assert.equal(ws.closedWith, undefined);
    const frames = socket.payloads();
    assert.deepEqual(
      frames.map((f) => f.seq ?? f.type),
      [...Array.from({ length: 600 }, (_, i) => i + 1), 'resumed', 601],
    );
    // Live again: the next event goes out in this turn's flush.
    conn.deliver(frameEvent(event(602)));
    await eventually(() => socket.payloads().some((f) => f.seq === 602), 5000, 'the next live event');
  });
});
