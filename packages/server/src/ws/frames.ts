import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import * as wsModule from 'ws';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}

// ws documents Sender.frame as public; @types/ws does not declare it.
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, o: FrameOptions): Buffer[] } }).Sender;

/**
 * Server→client frames built once and written raw.
 *
 * `ws.send()` frames the payload again for every socket; for an event that
 * goes to thousands of sockets the frame (header + payload) is built once
 * here, and each socket gets one `write` per event-loop turn with every frame
 * queued for it in that turn concatenated (issue #3: a naive send loop does
 * about 100k frames per CPU-second, one prebuilt frame per write about 140k,
 * ten coalesced frames per write about 900k).
 *
 * Writing whole frames to the socket keeps the stream valid next to the
 * control frames ws itself writes (pong, close): each write is one or more
 * complete frames. Frames are never written once the socket is closing.
 */
export function textFrame(payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const parts = Sender.frame(data, { fin: true, opcode: 0x01, mask: false, readOnly: true, rsv1: false });
  return Buffer.concat(parts);
}

/** The TCP socket under a server-side WebSocket (ws keeps it as `_socket`). */
export function rawSocket(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket })._socket;
}

export interface Flushable {
  flush(): void;
}

let pending: Flushable[] = [];
let scheduled = false;
/** Targets of big fan-outs, flushed once the event loop has read its pending I/O (see scheduleFlush). */
let late: Flushable[] = [];
let lateScheduled = false;

function flushAll(): void {
  const batch = pending;
  pending = [];
  scheduled = false;
  for (const f of batch) f.flush();
}

function flushLate(): void {
  const batch = late;
  late = [];
  lateScheduled = false;
  for (const f of batch) f.flush();
}

/**
 * Flushes `target` once, however many frames were queued meanwhile: at the
 * end of the current turn (a microtask: before any further I/O is read), or,
 * with `afterIo`, two setImmediate hops later — after the event loop has
 * polled for I/O once more and run what that scheduled (the write batcher's
 * next commit, say). A burst of webhooks that commits in two or three groups
 * then still reaches each socket in one write instead of one per group; it is
 * meant for events going to many sockets, where the writes, not the wait,
 * dominate (issue #3, bursts: one write per socket per burst).
 */
export function scheduleFlush(target: Flushable, afterIo = false): void {
  if (afterIo) {
    late.push(target);
    if (!lateScheduled) {
      lateScheduled = true;
      setImmediate(() => setImmediate(flushLate));
    }
    return;
  }
  pending.push(target);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flushAll);
  }
}
