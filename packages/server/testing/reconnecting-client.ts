/**
 * A minimal reconnecting WebSocket client for tests (internal): it behaves the
 * way a CRM frontend should — on any close it reconnects, after a short delay,
 * to the next node that is up and resumes with `since=<lastSeq>` — and it
 * records everything it got, de-duplicating nothing, so that a test can check
 * for gaps and duplicates across reconnects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ClientOptions, WebSocket } from 'ws';
import { eventually, type Frame } from './harness.js';
import { NODE_FLAGS } from './node-flags.js';

export interface ReceivedEvent extends Frame {
  seq: number;
}

export interface ClientClose {
  code: number;
  reason: string;
  /** Base URL (http://…) of the node the socket was connected (or connecting) to. */
  url: string;
  /** Whether the socket had opened before it closed (false: the connection attempt failed). */
  opened: boolean;
  at: number;
}

export interface ReconnectingClientOptions {
  /** Base URLs (`http://host:port`) of the nodes; a function is read again at every (re)connect. */
  urls: string[] | (() => string[]);
  tenant: string;
  token: string;
  /** Index in `urls` of the first node to try. @default 0 */
  start?: number;
  /** `since` of the first connection. @default 0 (replay the whole log) */
  since?: number;
  /** Delay before a reconnect. @default 50 */
  reconnectDelayMs?: number;
  /** Nodes the test knows to be down are skipped (all down: the next one is tried anyway). */
  isUp?: (url: string) => boolean;
  /** Label for error messages. */
  name?: string;
  /** Options of each `ws` socket (e.g. `ca` to trust a test certificate on `https://` URLs). */
  wsOptions?: ClientOptions;
}

export class ReconnectingClient {
  /** Every tenant event (a frame with a numeric seq), in order of arrival, duplicates kept. */
  readonly events: ReceivedEvent[] = [];
  /** Every frame, in order of arrival. */
  readonly frames: Frame[] = [];
  /** How each socket ended. */
  readonly closes: ClientClose[] = [];
  /** `node_id` of each `connection_established`, in order. */
  readonly nodes: string[] = [];
  /** Seq of the last event received (what the next connection resumes from). */
  lastSeq: number;
  /** Connections that reached `resumed` (the replay finished; live events follow). */
  resumedCount = 0;
  readonly name: string;

  private ws: WebSocket | undefined;
  private index: number;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly opts: ReconnectingClientOptions;

  constructor(opts: ReconnectingClientOptions) {
    this.opts = opts;
    this.index = opts.start ?? 0;
    this.lastSeq = opts.since ?? 0;
    this.name = opts.name ?? `client@${this.index}`;
    this.connect();
  }

  private urls(): string[] {
    return typeof this.opts.urls === 'function' ? this.opts.urls() : this.opts.urls;
  }

  /** The URL currently in use (or being connected to). */
  get url(): string {
    const urls = this.urls();
    return urls[this.index % urls.length] as string;
  }

  /** True while a socket is open and past its replay. */
  get live(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.liveNow;
  }
  private liveNow = false;

  private connect(): void {
    if (this.stopped) return;
    const base = this.url;
    const params = new URLSearchParams({ token: this.opts.token, since: String(this.lastSeq) });
    const wsUrl = `${base.replace(/^http/, 'ws')}/ws/conversations/${encodeURIComponent(this.opts.tenant)}?${params}`;
    const ws = new WebSocket(wsUrl, this.opts.wsOptions);
    this.ws = ws;
    this.liveNow = false;
    let opened = false;
    ws.on('open', () => {
      opened = true;
    });
    ws.on('message', (data) => {
      if (ws !== this.ws) return;
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      if (frame.type === 'connection_established') this.nodes.push(String(frame.node_id ?? '?'));
      if (frame.type === 'resumed') {
        this.resumedCount++;
        this.liveNow = true;
      }
      if (typeof frame.seq === 'number' && frame.type !== 'resync_required') {
        this.events.push(frame as ReceivedEvent);
        this.lastSeq = frame.seq;
      }
    });
    // An unexpected HTTP answer (503 while a node drains) or a refused connection ends in 'close' (1006).
    ws.on('error', () => {});
    ws.on('close', (code, reason) => {
      if (ws !== this.ws) return;
      this.liveNow = false;
      this.closes.push({ code, reason: reason.toString(), url: base, opened, at: Date.now() });
      if (this.stopped) return;
      this.advance();
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.connect();
      }, this.opts.reconnectDelayMs ?? 50);
    });
  }

  /** Moves to the next URL that is up (any next one when none is). */
  private advance(): void {
    const n = this.urls().length;
    for (let step = 1; step <= n; step++) {
      const i = (this.index + step) % n;
      const url = this.urls()[i] as string;
      if (!this.opts.isUp || this.opts.isUp(url)) {
        this.index = i;
        return;
      }
    }
    this.index = (this.index + 1) % n;
  }

  /** Waits (with a deadline) until `check` holds; the error tells where this client stands. */
  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    try {
      await eventually(check, timeoutMs, what);
    } catch (err) {
      throw new Error(
        `${this.name}: ${(err as Error).message} within ${timeoutMs} ms ` +
          `(lastSeq ${this.lastSeq}, ${this.events.length} events, closes ${JSON.stringify(
            this.closes.map((c) => [c.code, c.reason]),
          )})`,
      );
    }
  }

  /** Waits until the client is connected and its replay is done (the `resumed` frame). */
  waitLive(timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.live, timeoutMs, 'a live connection');
  }

  /** Waits until an event with seq >= `seq` has arrived. */
  waitForSeq(seq: number, timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.lastSeq >= seq, timeoutMs, `seq ${seq}`);
  }

  /** Stops for good: no more reconnects; the open socket (if any) is closed. Resolves once it is. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.terminate();
    await closed;
  }
}

/** Seqs of a client's events, in order of arrival. */
export function seqsOf(events: readonly { seq: number }[]): number[] {
  return events.map((e) => e.seq);
}

/**
 * Checks that `seqs` is exactly `from..to` in order; returns a description of
 * the first problem (gap, duplicate, disorder), or undefined.
 */
export function describeSeqProblem(seqs: readonly number[], from: number, to: number): string | undefined {
  for (let i = 0; i < seqs.length; i++) {
    const expected = from + i;
    const got = seqs[i] as number;
    if (got !== expected) {
      const kind = got < expected ? (seqs.indexOf(got) < i ? 'duplicate' : 'disorder') : 'gap';
      return `${kind} at index ${i}: expected seq ${expected}, got ${got} (around: ${seqs
        .slice(Math.max(0, i - 3), i + 4)
        .join(',')})`;
    }
  }
  if (seqs.length !== to - from + 1)
    return `expected ${to - from + 1} events (${from}..${to}), got ${seqs.length} (last ${seqs.at(-1)})`;
  return undefined;
}

// ---------------------------------------------------------------------------
// Newton as a real child process (`bin/newton.js`), for tests that need real
// signals (SIGKILL, SIGTERM). Kept here because testing/ has no such helper.
// ---------------------------------------------------------------------------

/** `packages/server/bin/newton.js`. */
export const NEWTON_BIN = fileURLToPath(new URL('../bin/newton.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one `newton …` command to completion. */
function runNewtonCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEWTON_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Like runNewtonCli, but throws unless the command exits 0; returns its stdout, trimmed. */
export async function newtonCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runNewtonCli(args, env);
  if (r.code !== 0) throw new Error(`newton ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Keeps the last `max` characters of a stream (a child's pipes must be read, or it blocks). */
class Tail {
  text = '';
  constructor(private readonly max = 32 * 1024) {}
  add(d: Buffer | string): void {
    this.text += d;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
}

/** A `newton start` child process. */
export class NewtonProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitCode: number | null | undefined = undefined;
  private readonly out = new Tail();
  private readonly err = new Tail();

  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.stdout?.on('data', (d) => this.out.add(d));
    child.stderr?.on('data', (d) => this.err.add(d));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        resolve({ code, signal });
      });
    });
  }

  /** Base URL, known once the process said "listening on …". */
  url = '';

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Recent output, for failure messages. */
  output(): string {
    return `--- ${this.name} stderr ---\n${this.err.text.slice(-4000)}\n--- ${this.name} stdout ---\n${this.out.text.slice(-4000)}`;
  }

  /**
   * Spawns `newton start` with `env` (and the deployed node flags,
   * `NODE_FLAGS`) and resolves once it listens. The bound
   * only catches a process that never starts: tsx compiles the server at start,
   * which took over 30 s with the load average at 17 (a loaded CI run, #11).
   * `NEWTON_TEST_NODE_FLAGS` (space-separated) are given to node before the
   * command, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the node
   * of a test (NODE_OPTIONS does not allow --cpu-prof).
   */
  static async start(env: NodeJS.ProcessEnv, name = 'newton', timeoutMs = 120_000): Promise<NewtonProcess> {
    const flags = process.env.NEWTON_TEST_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...NODE_FLAGS, ...flags, NEWTON_BIN, 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p = new NewtonProcess(child, name);
    let seen = '';
    p.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not listen within ${timeoutMs} ms\n${p.output()}`));
      }, timeoutMs);
      const onData = (d: Buffer) => {
        seen += d;
        const m = /listening on (http:\/\/[\d.:[\]]+)/.exec(seen);
        if (m?.[1]) {
          clearTimeout(timer);
          child.stderr?.off('data', onData);
          resolve(m[1]);
        }
      };
      child.stderr?.on('data', onData);
      void p.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before listening\n${p.output()}`));
      });
    });
    return p;
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async kill(
    signal: NodeJS.Signals = 'SIGKILL',
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}
