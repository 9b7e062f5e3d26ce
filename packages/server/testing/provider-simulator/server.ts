/**
 * A provider simulator for tests: a real HTTP server on port 0 that records
 * every request and answers through pluggable route handlers (evolution.ts,
 * cloud.ts register theirs). It can be told to misbehave on demand: answer
 * with a status and body, hang until the client gives up (timeout), reset the
 * connection, or hold responses until the test releases them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SimRequest {
  method: string;
  /** Path without the query string, e.g. `/message/sendText/acme`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  rawBody: string;
  /** The body's bytes as received (multipart uploads). */
  rawBytes: Buffer;
  /** Parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  /** Path parameters from the matched route (`:instance` → `params.instance`). */
  params: Record<string, string>;
  /** Name of the route that matched, or null. */
  route: string | null;
  receivedAt: number;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Which requests a failure or hold applies to: a route name, or a predicate. */
export type SimMatch = string | ((req: SimRequest) => boolean);

export type SimFailure =
  /** Answer with this status and body instead of calling the handler. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer (the client's timeout fires); the socket is destroyed on close(). */
  | { kind: 'timeout' }
  /** Destroy the connection without an answer (a network error for the client). */
  | { kind: 'reset' };

interface Route {
  name: string;
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: SimHandler;
}

interface FailureRule {
  match: SimMatch | undefined;
  failure: SimFailure;
  /** Remaining uses; Infinity = until cleared. */
  left: number;
}

interface Hold {
  match: SimMatch;
  released: Promise<void>;
  release: () => void;
}

function compile(path: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = path
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), keys };
}

function matches(match: SimMatch | undefined, req: SimRequest): boolean {
  if (match === undefined) return true;
  return typeof match === 'string' ? req.route === match : match(req);
}

/**
 * @example
 * const sim = await ProviderSimulator.start();
 * installEvolution(sim, { apikey: 'k' });
 * sim.fail('evolution.sendText', { kind: 'status', status: 500, body: {...} }, 2);
 * … sim.requests('evolution.sendText') …
 * await sim.close();
 */
export class ProviderSimulator {
  private readonly routes: Route[] = [];
  private readonly failures: FailureRule[] = [];
  private readonly holds: Hold[] = [];
  private readonly recorded: SimRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>`, the base URL to configure an instance with. */
    readonly url: string,
  ) {}

  static async start(): Promise<ProviderSimulator> {
    let sim: ProviderSimulator | undefined;
    const server = createServer((req, res) => {
      void sim?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    sim = new ProviderSimulator(server, `http://127.0.0.1:${port}`);
    server.on('connection', (s) => {
      sim?.sockets.add(s);
      s.on('close', () => sim?.sockets.delete(s));
    });
    return sim;
  }

  /** Registers a handler for `METHOD /path/:param`; `name` identifies it in requests() and fail(). */
  route(method: string, path: string, name: string, handler: SimHandler): this {
    const { pattern, keys } = compile(path);
    this.routes.push({ name, method: method.toUpperCase(), pattern, keys, handler });
    return this;
  }

  /**
   * Makes the next `times` matching requests fail (default once; Infinity
   * until clearFailures()). Rules are used in the order they were added.
   */
  fail(match: SimMatch | undefined, failure: SimFailure, times = 1): this {
    this.failures.push({ match, failure, left: times });
    return this;
  }

  clearFailures(): this {
    this.failures.length = 0;
    return this;
  }

  /**
   * Holds the responses of matching requests (the handler has run and its
   * answer is ready) until `release()`; for races such as a webhook echo that
   * overtakes the send's HTTP answer.
   */
  hold(match: SimMatch): { release: () => void } {
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const h: Hold = { match, released, release };
    this.holds.push(h);
    return {
      release: () => {
        const i = this.holds.indexOf(h);
        if (i >= 0) this.holds.splice(i, 1);
        release();
      },
    };
  }

  /** Requests received so far, optionally only those of one route (or matching a predicate). */
  requests(match?: SimMatch): SimRequest[] {
    return this.recorded.filter((r) => matches(match, r));
  }

  /** Resolves once `count` matching requests have been received. */
  async waitForRequests(match: SimMatch | undefined, count = 1, timeoutMs = 5000): Promise<SimRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`simulator: expected ${count} requests, got ${found.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left); // the deadline; a request wakes it sooner
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Forgets recorded requests, failures and holds (routes stay). */
  reset(): this {
    this.recorded.length = 0;
    this.failures.length = 0;
    for (const h of this.holds.splice(0)) h.release();
    return this;
  }

  async close(): Promise<void> {
    for (const h of this.holds.splice(0)) h.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const rawBody = rawBytes.toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
    );
    let route: Route | undefined;
    let params: Record<string, string> = {};
    for (const r of this.routes) {
      const m = r.method === method ? r.pattern.exec(url.pathname) : null;
      if (m) {
        route = r;
        params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1] ?? '')]));
        break;
      }
    }
    const simReq: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers,
      rawBody,
      rawBytes,
      body,
      params,
      route: route?.name ?? null,
      receivedAt: Date.now(),
    };
    this.recorded.push(simReq);
    for (const w of this.waiters.splice(0)) w();

    const rule = this.failures.find((f) => f.left > 0 && matches(f.match, simReq));
    if (rule) {
      rule.left -= 1;
      if (rule.failure.kind === 'timeout') return; // never answered; close() destroys the socket
      if (rule.failure.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      return this.respond(res, rule.failure);
    }
    let answer: SimResponse;
    if (!route) {
      answer = {
        status: 404,
        body: { status: 404, error: 'Not Found', response: { message: ['no route'] } },
      };
    } else {
      try {
        answer = await route.handler(simReq);
      } catch (err) {
        answer = { status: 500, body: { status: 500, error: 'Internal Server Error', message: String(err) } };
      }
    }
    const hold = this.holds.find((h) => matches(h.match, simReq));
    if (hold) await hold.released;
    this.respond(res, answer);
  }

  private respond(res: ServerResponse, answer: SimResponse): void {
    if (res.destroyed) return;
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...answer.headers,
    });
    res.end(text);
  }
}
