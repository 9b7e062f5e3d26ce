/**
 * A scripted WebSocket (tests only) for the SDK's decisions that a real
 * server cannot be made to provoke on demand (a seq gap, a hung handshake).
 * Behaves like the browser's: `close()` fires `close` asynchronously.
 */
import type { WebSocketConstructor, WebSocketLike } from '../src/options.js';

type Listener = (event: unknown) => void;

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: string[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  get listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }

  /** Frames the SDK sent, parsed. */
  sentFrames(): { type: string; [k: string]: unknown }[] {
    return this.sent.map((s) => JSON.parse(s));
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedWith = { code, reason };
    this.readyState = 2;
    queueMicrotask(() => this.finish(code ?? 1005, reason ?? ''));
  }

  // ---- driven by the test ----

  open(): void {
    this.readyState = 1;
    this.fire('open', {});
  }

  /** The server sends `frame` (an object, serialized here). */
  receive(frame: object): void {
    this.fire('message', { data: JSON.stringify(frame) });
  }

  /** The server (or the network) closes the socket. */
  serverClose(code: number, reason = ''): void {
    this.finish(code, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close', { code, reason, wasClean: code !== 1006 });
  }

  private fire(type: string, event: unknown): void {
    for (const l of [...(this.listeners.get(type) ?? [])]) l(event);
  }
}

/** A WebSocket class whose instances the test drives. */
export function fakeWebSocket(): { Impl: WebSocketConstructor; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  class Impl extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { Impl, sockets };
}

/** A `connection_established` frame. */
export function established(lastSeq = 0, heartbeat = 30_000): object {
  return {
    type: 'connection_established',
    tenant_id: 't',
    connection_id: `c-${Math.random().toString(36).slice(2)}`,
    user_id: 'u',
    channels: ['messages', 'leads', 'conversations', 'instances'],
    heartbeat_interval_ms: heartbeat,
    last_seq: lastSeq,
    server_time: new Date().toISOString(),
    node_id: 'fake',
  };
}

/** A minimal `lead_created` event with seq `seq`. */
export function leadEvent(seq: number, id = `e${seq}`): object {
  return {
    type: 'lead_created',
    tenant_id: 't',
    seq,
    event_id: id,
    occurred_at: new Date().toISOString(),
    lead: { id: `l${seq}`, name: null, phone: null },
  };
}
