/**
 * A TCP proxy between the SDK and Newton (tests only). It records when each
 * connection arrived, can drop every connection at once (the clients see 1006),
 * and can turn the connections it holds half-open: still established, no FIN,
 * no RST, but nothing forwarded either way — the dead Wi-Fi / NAT-timeout case.
 * New connections keep working (the healthy path to reconnect through).
 */
import { createServer, type Server, Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  blackholed: boolean;
}

export class TcpProxy {
  /** `Date.now()` of every accepted connection, in order. */
  readonly accepts: number[] = [];
  /** Bytes from clients that blackholed connections swallowed (a ping into the void, say). */
  swallowedFromClients = 0;
  private readonly pairs = new Set<Pair>();
  /** While true, new connections are refused (closed at once), like a node that is down. */
  refusing = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer({ noDelay: true }, (client) => proxy?.accept(client, targetPort, targetHost));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** `http://127.0.0.1:<port>`, a base URL for the SDK. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  private accept(client: Socket, port: number, host: string): void {
    this.accepts.push(Date.now());
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    const pair: Pair = { client, upstream, blackholed: false };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => {
      if (!pair.blackholed) upstream.write(d);
      else this.swallowedFromClients += d.length;
    });
    upstream.on('data', (d) => {
      if (!pair.blackholed) client.write(d);
    });
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
      s.setNoDelay(true);
    }
    upstream.connect(port, host);
  }

  /** The connections open now stop forwarding, silently and for good. */
  blackhole(): void {
    for (const pair of this.pairs) pair.blackholed = true;
  }

  /** Closes every connection at once (no WebSocket close frame: the client sees 1006). */
  dropAll(): void {
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      pair.client.destroy();
      pair.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
