/**
 * Competitor and native ceiling: uWebSockets.js (C++ sockets, from uws-pack,
 * installed by bench/lib/uws.ts) with its built-in pub/sub — every socket
 * subscribes to one topic and an event is one `app.publish(topic, json)`.
 * The same trigger as the other competitors: `POST /broadcast?n&count&bytes`,
 * `GET /stats`.
 */
import { payload } from './common.js';

interface UwsSocket {
  subscribe(topic: string): boolean;
}
interface UwsResponse {
  writeHeader(k: string, v: string): UwsResponse;
  end(body?: string): void;
  onAborted(fn: () => void): void;
  onData(fn: (chunk: ArrayBuffer, last: boolean) => void): void;
}
interface UwsRequest {
  getQuery(key: string): string | undefined;
}
interface UwsApp {
  ws(pattern: string, behavior: { open?: (ws: UwsSocket) => void; close?: () => void }): UwsApp;
  post(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp;
  get(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp;
  publish(topic: string, message: string): boolean;
  numSubscribers(topic: string): number;
  listen(host: string, port: number, cb: (token: unknown) => void): UwsApp;
  close(): void;
}

const entry = process.env.UWS_ENTRY;
if (!entry) throw new Error('UWS_ENTRY is not set (bench/lib/uws.ts sets it)');
const mod = (await import(entry)) as { default?: unknown };
const uws = (mod.default ?? mod) as {
  App(): UwsApp;
  us_socket_local_port(token: unknown): number;
};

const TOPIC = 'tenant';
const app = uws.App();
app.ws('/*', { open: (ws) => void ws.subscribe(TOPIC) });
app.post('/broadcast', (res, req) => {
  const first = Number(req.getQuery('n') ?? 0);
  const count = Number(req.getQuery('count') ?? 1);
  const bytes = Number(req.getQuery('bytes') ?? 900);
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  res.onData((_chunk, last) => {
    if (!last || aborted) return;
    for (let k = 0; k < count; k++) app.publish(TOPIC, JSON.stringify(payload(first + k, bytes)));
    res.writeHeader('content-type', 'application/json').end(`{"sockets":${app.numSubscribers(TOPIC)}}`);
  });
});
app.get('/stats', (res) => {
  res.writeHeader('content-type', 'application/json').end(`{"sockets":${app.numSubscribers(TOPIC)}}`);
});
const host = process.env.HOST ?? '127.0.0.1';
app.listen(host, Number(process.env.PORT ?? 0), (token) => {
  if (!token) {
    process.stderr.write('uWS competitor could not listen\n');
    process.exit(1);
  }
  process.stderr.write(`uWS competitor listening on http://${host}:${uws.us_socket_local_port(token)}\n`);
});
const stop = () => {
  app.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
