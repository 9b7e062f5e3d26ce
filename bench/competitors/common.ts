/** What the competitor servers share: the payload and the HTTP trigger. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** An event of exactly `bytes` bytes of JSON (at least the bare object), numbered `n`. */
export function payload(n: number, bytes: number): { type: string; n: number; pad: string } {
  const bare = { type: 'new_message', n, pad: '' };
  const pad = Math.max(0, bytes - JSON.stringify(bare).length);
  return { ...bare, pad: 'x'.repeat(pad) };
}

/**
 * An HTTP server whose `POST /broadcast?n=<first>&count=<k>&bytes=<b>` calls
 * `broadcast(n…n+k-1)` in one tick and answers with the socket count;
 * `GET /stats` answers the socket count.
 */
export function triggerServer(broadcast: (n: number, bytes: number) => void, sockets: () => number): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://competitor.invalid');
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname === '/broadcast') {
        const first = Number(url.searchParams.get('n') ?? 0);
        const count = Number(url.searchParams.get('count') ?? 1);
        const bytes = Number(url.searchParams.get('bytes') ?? 900);
        for (let k = 0; k < count; k++) broadcast(first + k, bytes);
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"sockets":${sockets()}}`);
      } else if (url.pathname === '/stats') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"sockets":${sockets()}}`);
      } else res.writeHead(404).end();
    });
  });
}

/** Listens on PORT (0: any) and HOST, prints the URL like `newton start` does, stops on SIGTERM. */
export function listen(name: string, server: Server, close: () => void): void {
  const port = Number(process.env.PORT ?? 0);
  const host = process.env.HOST ?? '127.0.0.1';
  server.listen(port, host, () => {
    const a = server.address();
    const p = typeof a === 'object' && a ? a.port : port;
    process.stderr.write(`${name} listening on http://${host}:${p}\n`);
  });
  const stop = () => {
    close();
    server.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
