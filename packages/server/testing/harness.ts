/**
 * Test harness (internal): a real Newton node on port 0 with its own data
 * directory, real HTTP and real WebSocket clients. Used only by tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { type NewtonNode, startNode } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import type { Instance, NewInstance } from '../src/core/index.js';
import { createLogger } from '../src/core/index.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface Frame {
  type: string;
  seq?: number;
  [key: string]: unknown;
}

export interface HttpResult {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** A WebSocket client that records every frame and how the socket closed. */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Tenant events received (frames with a seq). */
  events(): Frame[] {
    return this.frames.filter((f) => typeof f.seq === 'number' && f.type !== 'resync_required');
  }

  /** Resolves with the first frame (from `from` on) matching, or rejects after `timeoutMs`. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    let i = from;
    for (;;) {
      for (; i < this.frames.length; i++) {
        const f = this.frames[i] as Frame;
        if (match(f)) return f;
      }
      if (!(await this.nextFrameBefore(deadline))) {
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
        );
      }
    }
  }

  /** Waits for the next frame (or close); false once `deadline` passed or the socket is closed. */
  private async nextFrameBefore(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) return false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left); // the deadline; a frame or the close wakes it sooner
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
    return true;
  }

  waitFor(type: string, timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs);
  }

  /** Waits until `count` tenant events have arrived. */
  async waitForEvents(count: number, timeoutMs = 10_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events().length < count) {
      if (!(await this.nextFrameBefore(deadline))) {
        throw new Error(`expected ${count} events, got ${this.events().length}`);
      }
    }
    return this.events();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.terminate();
  }
}

export class TestNewton {
  private readonly sockets: TestSocket[] = [];

  private constructor(
    readonly node: NewtonNode,
    readonly dataDir: string,
    private readonly ownsDir: boolean,
    private readonly database: TestDatabase | undefined,
  ) {}

  /**
   * Starts a node on port 0 with a fresh data directory and, under
   * NEWTON_TEST_DB=postgres, a fresh PostgreSQL database. Pass `database` to
   * share one between nodes (the caller then drops it).
   */
  static async start(
    overrides: Partial<Config> = {},
    opts: { dataDir?: string; database?: TestDatabase; now?: () => number } = {},
  ): Promise<TestNewton> {
    const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'newton-test-'));
    const database = opts.database ?? (await createTestDatabase());
    const config: Config = {
      // No periodic provider checks unless a test asks (they would add instance_status events).
      ...loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        NODE_ID: 'test-node',
        UPSTREAM_CHECK_INTERVAL_MS: '0',
      }),
      databaseUrl: database.url,
      ...overrides,
    };
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', config.nodeId);
    const node = await startNode(config, logger, opts.now ? { now: opts.now } : {});
    return new TestNewton(node, dataDir, opts.dataDir === undefined, opts.database ? undefined : database);
  }

  /** Environment for a `newton` process that shares this node's storage. */
  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DATA_DIR: this.dataDir,
      NEWTON_URL: this.url,
      LOG_LEVEL: 'warn',
      ...(this.node.config.databaseUrl ? { DATABASE_URL: this.node.config.databaseUrl } : {}),
      ...(this.node.config.jwtSecret ? { JWT_SECRET: this.node.config.jwtSecret } : {}),
    };
  }

  get url(): string {
    return this.node.url;
  }

  async addTenant(id: string, name: string | null = null): Promise<void> {
    await this.node.store.admin.createTenant(id, name);
  }

  async addInstance(
    input: Omit<NewInstance, 'provider'> & { provider?: NewInstance['provider'] },
  ): Promise<Instance> {
    return this.node.store.admin.createInstance({ provider: 'evolution', ...input });
  }

  token(
    tenant: string | string[],
    opts: { user?: string; role?: 'agent' | 'admin'; ttlSeconds?: number } = {},
  ) {
    return this.node.tokens.issue({
      tenants: Array.isArray(tenant) ? tenant : [tenant],
      ttlSeconds: opts.ttlSeconds ?? 3600,
      ...(opts.user ? { userId: opts.user } : {}),
      ...(opts.role ? { role: opts.role } : {}),
    });
  }

  /** Opens a socket; `token: null` sends none. Does not wait for the first frame. */
  async socket(
    tenant: string,
    opts: { token?: string | null; since?: number | string } = {},
  ): Promise<TestSocket> {
    const token = opts.token === undefined ? await this.token(tenant) : opts.token;
    const params = new URLSearchParams();
    if (token !== null) params.set('token', token);
    if (opts.since !== undefined) params.set('since', String(opts.since));
    const url = `${this.url.replace(/^http/, 'ws')}/ws/conversations/${encodeURIComponent(tenant)}?${params}`;
    const s = new TestSocket(new WebSocket(url));
    this.sockets.push(s);
    return s;
  }

  /** Opens a socket and waits for `connection_established`. */
  async connect(tenant: string, opts: { token?: string | null; since?: number } = {}): Promise<TestSocket> {
    const s = await this.socket(tenant, opts);
    await s.waitFor('connection_established');
    return s;
  }

  async post(pathAndQuery: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
  }

  async get(pathAndQuery: string, token?: string, headers: Record<string, string> = {}): Promise<HttpResult> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { text };
    }
    return { status: res.status, body, headers: res.headers };
  }

  /** Any method with an optional bearer token and JSON body; the answer's JSON (or `{}`). */
  async request(method: string, pathAndQuery: string, token?: string, body?: unknown): Promise<HttpResult> {
    const res = await fetch(`${this.url}${pathAndQuery}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
  }

  /** Posts an Evolution webhook to `/webhooks/evolution` (or a by-events path). */
  evolution(
    body: unknown,
    opts: { path?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    return this.post(opts.path ?? '/webhooks/evolution', body, opts.headers);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.close();
    await this.node.close();
    await this.database?.drop();
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Polls `fn` until it returns true (for state that settles asynchronously), or
 * throws after `timeoutMs`. The one wait primitive of the tests: wait on the
 * condition meant, never for a fixed time.
 */
export async function eventually(
  fn: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10)); // the poll interval: only `fn` decides
  }
}
