/**
 * The sockets of a load-generator process (bench/lib/client-worker.ts):
 * Newton, plain `ws` or Socket.IO; what they count (deliveries, seq gaps and
 * repeats, latencies in latency mode, per-event arrivals in fan-out mode) and
 * the reconnect storm. Times are CLOCK_MONOTONIC milliseconds (`nowMs`), the
 * same clock in every process on the machine, so a webhook's send time
 * embedded in its text can be compared with the arrival time here.
 */
import { io, type Socket as SioSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { nowMs, sleep } from './stats.js';

export type SocketKind = 'newton' | 'ws' | 'sio';
export type Mode = 'idle' | 'latency' | 'fanout';

interface Sock {
  kind: SocketKind;
  /** Newton: the socket URL with the token (no since); ws: URL; sio: base URL. */
  url: string;
  ws: WebSocket | undefined;
  sio: SioSocket | undefined;
  open: boolean;
  lastSeq: number;
  /** Storm bookkeeping. */
  resumed: boolean;
  doneAt: number;
}

const SEQ_KEY = Buffer.from('"seq":');
const NEW_MESSAGE_PREFIX = Buffer.from('{"type":"new_message"');
const N_RE = /"n":(\d+)/;
const LAT_KEY = Buffer.from('"content":"lat ');

const socks: Sock[] = [];
let mode: Mode = 'idle';
const counts = new Map<number, number>();
let fanoutTarget = 0;
/** new_message arrivals in latency mode: when the webhook was sent, and the latency. */
let latSent: number[] = [];
let latencies: number[] = [];
const totals = { deliveries: 0, gaps: 0, dupes: 0, errors: 0, resyncs: 0, unexpectedCloses: 0 };
let firstFrameBytes = 0;
let storm: { target: number; pending: number; onDone: () => void } | undefined;

/** Sends a message to the parent process (bench/lib/clients.ts). */
export function send(msg: unknown): void {
  process.send?.(msg);
}

function countKey(key: number): void {
  const c = (counts.get(key) ?? 0) + 1;
  if (c >= fanoutTarget) {
    counts.delete(key);
    send({ event: 'done', key });
  } else counts.set(key, c);
}

/**
 * The number after the first `"seq":` followed by a digit (what /"seq":(\d+)/
 * finds), read from the bytes: no string is built for the 500,000 frames of a
 * storm. -1 when there is none.
 */
function seqOf(data: Buffer): number {
  for (let at = data.indexOf(SEQ_KEY); at >= 0; at = data.indexOf(SEQ_KEY, at + 1)) {
    let n = 0;
    let i = at + SEQ_KEY.length;
    for (; i < data.length; i++) {
      const c = data[i] as number;
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
    }
    if (i > at + SEQ_KEY.length) return n;
  }
  return -1;
}

/**
 * The send time a latency webhook's text carries (`"content":"lat <ms>`), read
 * from the bytes like `seqOf` (no string of the whole frame: the soak's sockets
 * get 20,000 frames a second). -1 when there is none.
 */
function latSentOf(data: Buffer): number {
  const at = data.indexOf(LAT_KEY);
  if (at < 0) return -1;
  const from = at + LAT_KEY.length;
  let i = from;
  for (; i < data.length; i++) {
    const c = data[i] as number;
    if ((c < 48 || c > 57) && c !== 46) break;
  }
  const v = i > from ? Number(data.toString('latin1', from, i)) : Number.NaN;
  return Number.isFinite(v) ? v : -1;
}

/** One frame from a Newton socket. */
function onNewtonFrame(sock: Sock, data: Buffer, established: () => void): void {
  const t = nowMs();
  const seq = seqOf(data);
  if (seq < 0) {
    const f = JSON.parse(data.toString('utf8')) as { type: string; last_seq?: number; to?: number };
    if (f.type === 'connection_established') {
      if (!storm) sock.lastSeq = f.last_seq ?? 0;
      established();
    } else if (f.type === 'resumed') {
      sock.resumed = true;
      checkStormDone(sock, t);
    } else if (f.type === 'resync_required') totals.resyncs++;
    else if (f.type === 'error') totals.errors++;
    return;
  }
  totals.deliveries++;
  if (firstFrameBytes === 0 && data.subarray(0, NEW_MESSAGE_PREFIX.length).equals(NEW_MESSAGE_PREFIX))
    firstFrameBytes = data.length;
  if (seq === sock.lastSeq + 1) sock.lastSeq = seq;
  else if (seq <= sock.lastSeq) totals.dupes++;
  else {
    totals.gaps++;
    sock.lastSeq = seq;
  }
  if (mode === 'latency') {
    const sent = latSentOf(data);
    if (sent >= 0) {
      latSent.push(sent);
      latencies.push(t - sent);
    }
  } else if (mode === 'fanout') countKey(seq);
  if (storm) checkStormDone(sock, t);
}

function checkStormDone(sock: Sock, t: number): void {
  if (!storm || sock.doneAt > 0 || !sock.resumed || sock.lastSeq < storm.target) return;
  sock.doneAt = t;
  if (--storm.pending === 0) storm.onDone();
}

/** Opens one socket; resolves when it is live (Newton: `connection_established`). */
function openSocket(sock: Sock, url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const ok = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.open = true;
      resolve();
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.ws?.terminate();
      sock.sio?.disconnect();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('connect timeout')), timeoutMs);
    if (sock.kind === 'sio') {
      const s = io(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: timeoutMs,
      });
      sock.sio = s;
      s.on('connect', ok);
      s.on('connect_error', (e: Error) => fail(e));
      s.on('new_message', (p: { n: number }) => {
        totals.deliveries++;
        if (mode === 'fanout') countKey(p.n);
      });
      s.on('disconnect', () => {
        if (sock.open) totals.unexpectedCloses++;
        sock.open = false;
      });
      return;
    }
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sock.ws = ws;
    ws.on('error', (e) => fail(e));
    ws.on('close', (code) => {
      const wasOpen = sock.open;
      sock.open = false;
      if (!settled) fail(new Error(`closed ${code} before established`));
      else if (wasOpen) {
        totals.unexpectedCloses++;
        if (storm && sock.doneAt === 0) retryStorm(sock);
      }
    });
    if (sock.kind === 'ws') {
      ws.on('open', ok);
      ws.on('message', (data: Buffer) => {
        totals.deliveries++;
        if (firstFrameBytes === 0) firstFrameBytes = data.length;
        if (mode !== 'fanout') return;
        const m = N_RE.exec(data.toString('utf8'));
        if (m) countKey(Number(m[1]));
      });
    } else {
      ws.on('message', (data: Buffer) => onNewtonFrame(sock, data, ok));
    }
  });
}

let stormRetries = 0;
/** Why connects failed, by message (storm). */
let stormFailures: Record<string, number> = {};
function retryStorm(sock: Sock, err?: Error): void {
  stormRetries++;
  const why = (err?.message ?? 'closed after connection_established').replace(
    /\d+\.\d+\.\d+\.\d+:\d+/g,
    'host',
  );
  stormFailures[why] = (stormFailures[why] ?? 0) + 1;
  sock.resumed = false;
  setTimeout(
    () => {
      openSocket(sock, `${sock.url}&since=${sock.lastSeq}`, 30_000).catch((e: Error) => retryStorm(sock, e));
    },
    100 + Math.random() * 200,
  );
}

export interface ConnectArgs {
  kind: SocketKind;
  urls: string[];
  concurrency: number;
  timeoutMs?: number;
}

export async function connect(
  a: ConnectArgs,
): Promise<{ connected: number; failed: number; retries: number }> {
  let next = 0;
  let failed = 0;
  let retries = 0;
  const fresh: Sock[] = a.urls.map((url) => ({
    kind: a.kind,
    url,
    ws: undefined,
    sio: undefined,
    open: false,
    lastSeq: 0,
    resumed: false,
    doneAt: 0,
  }));
  await Promise.all(
    Array.from({ length: Math.max(1, a.concurrency) }, async () => {
      while (next < fresh.length) {
        const sock = fresh[next++] as Sock;
        for (let attempt = 0; ; attempt++) {
          try {
            await openSocket(sock, sock.url, a.timeoutMs ?? 30_000);
            break;
          } catch {
            if (attempt >= 4) {
              failed++;
              break;
            }
            retries++;
            await sleep(200 * (attempt + 1));
          }
        }
      }
    }),
  );
  for (const s of fresh) if (s.open) socks.push(s);
  return { connected: fresh.length - failed, failed, retries };
}

/** Closes every socket (client-initiated close) and waits until they are closed. */
export async function closeAll(a: { forget?: boolean; timeoutMs?: number }): Promise<{ closed: number }> {
  const waits: Promise<void>[] = [];
  for (const s of socks) {
    s.open = false;
    if (s.sio) {
      s.sio.disconnect();
      continue;
    }
    const ws = s.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) continue;
    waits.push(new Promise((r) => ws.once('close', () => r())));
    ws.close(1000);
  }
  await Promise.race([Promise.all(waits), sleep(a.timeoutMs ?? 15_000)]);
  for (const s of socks) if (s.ws && s.ws.readyState !== WebSocket.CLOSED) s.ws.terminate();
  const closed = socks.length;
  if (a.forget !== false) socks.length = 0;
  return { closed };
}

/**
 * All sockets reconnect at `at` with `since=<their last seq>`; resolves when
 * each has had `resumed` and every event up to `target`, or at the timeout.
 */
export async function reconnectStorm(a: { at: number; target: number; timeoutMs: number }) {
  stormRetries = 0;
  stormFailures = {};
  const before = { ...totals };
  for (const s of socks) {
    s.resumed = false;
    s.doneAt = 0;
  }
  const all = new Promise<void>((resolve) => {
    storm = { target: a.target, pending: socks.length, onDone: resolve };
  });
  const wait = a.at - nowMs();
  if (wait > 5) await sleep(wait - 3);
  while (nowMs() < a.at) {
    /* spin the last few ms so that every process starts at the same moment */
  }
  const started = nowMs();
  for (const s of socks) {
    openSocket(s, `${s.url}&since=${s.lastSeq}`, 30_000).catch((e: Error) => retryStorm(s, e));
  }
  const openedAll = nowMs();
  await Promise.race([all, sleep(a.timeoutMs)]);
  const times = Float64Array.from(socks.filter((s) => s.doneAt > 0).map((s) => s.doneAt - a.at));
  const result = {
    times,
    incomplete: socks.filter((s) => s.doneAt === 0).length,
    retries: stormRetries,
    failures: stormFailures,
    startSkewMs: started - a.at,
    openLoopMs: openedAll - started,
    gaps: totals.gaps - before.gaps,
    dupes: totals.dupes - before.dupes,
    resyncs: totals.resyncs - before.resyncs,
    errors: totals.errors - before.errors,
  };
  storm = undefined;
  return result;
}

/** What the sockets count from now on (forgets what was counted); returns how many sockets are open. */
export function setMode(a: { mode: Mode }) {
  mode = a.mode;
  counts.clear();
  latSent = [];
  latencies = [];
  fanoutTarget = socks.filter((s) => s.open).length;
  return { sockets: fanoutTarget };
}

/** Counters, and the latencies (with their send times) of webhooks sent at or after `from` (then forgets them all). */
export function collect(a: { from?: number }) {
  const from = a?.from ?? Number.NEGATIVE_INFINITY;
  const kept = latencies.filter((_, i) => (latSent[i] ?? 0) >= from);
  const sent = latSent.filter((t) => t >= from);
  const out = {
    latencies: Float64Array.from(kept),
    sent: Float64Array.from(sent),
    ...totals,
    firstFrameBytes,
  };
  latSent = [];
  latencies = [];
  return out;
}

/** How many latencies of webhooks sent at or after `from` have arrived so far. */
export function latencyCount(a: { from: number }): number {
  return latSent.filter((s) => s >= a.from).length;
}

/** Per-socket last seq (Newton): the lowest and highest over this worker's sockets. */
export function positions() {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const s of socks) {
    min = Math.min(min, s.lastSeq);
    max = Math.max(max, s.lastSeq);
  }
  return {
    min: socks.length ? min : 0,
    max,
    sockets: socks.length,
    open: socks.filter((s) => s.open).length,
  };
}
