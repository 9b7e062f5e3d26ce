/**
 * Debian's nginx in front of Newton nodes, for tests (internal): renders the
 * deployment recipe `deploy/nginx.conf` (the same file docker-compose.yml
 * mounts) with free ports, the nodes' addresses and a certificate made for the
 * test, and runs nginx as a child process with every path in a temp dir —
 * never the system's nginx service. In CI (CI=true) a missing nginx fails the
 * test with a plain message; elsewhere the test is skipped with it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually } from './harness.js';
import { freePort } from './redis.js';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
/** The recipe: an http-context template with `${NAME}` placeholders. */
export const NGINX_TEMPLATE = fileURLToPath(new URL('../../../deploy/nginx.conf', import.meta.url));

/** Skips (or, in CI, fails) when nginx is not installed. Returns false when skipped. */
export function requireNginx(t: TestContext): boolean {
  if (existsSync(NGINX)) return true;
  const message = `nginx is not installed at ${NGINX} (install it with: apt-get install -y nginx)`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/** Fills `${NAME}` placeholders the way envsubst does; throws on a placeholder without a value. */
export function renderTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`deploy/nginx.conf: no value for \${${name}}`);
    return v;
  });
}

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate (PEM): what a client trusts. */
  pem: string;
}

/** A self-signed P-256 certificate for localhost and 127.0.0.1, made by openssl in `dir`. */
export async function makeCertificate(dir: string): Promise<TestCertificate> {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class TestNginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly httpPort: number,
    readonly httpsPort: number,
    readonly exited: Promise<number | null>,
  ) {}

  /** `https://127.0.0.1:<port>`: the TLS side, as clients reach it. */
  get url(): string {
    return `https://127.0.0.1:${this.httpsPort}`;
  }

  /** `http://127.0.0.1:<port>`: the plain side (redirects to HTTPS). */
  get plainUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /**
   * Renders deploy/nginx.conf for `nodes` (host:port of node 1 and node 2) and
   * starts nginx in `dir`; resolves once both ports accept connections.
   */
  static async start(opts: {
    dir: string;
    nodes: [string, string];
    cert: TestCertificate;
  }): Promise<TestNginx> {
    const { dir } = opts;
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    mkdirSync(path.join(dir, 'acme'), { recursive: true });
    const site = renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), {
      NEWTON_NODE_1: opts.nodes[0],
      NEWTON_NODE_2: opts.nodes[1],
      NEWTON_DOMAIN: 'localhost',
      NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
      TLS_CERT: opts.cert.certFile,
      TLS_KEY: opts.cert.keyFile,
      ACME_ROOT: path.join(dir, 'acme'),
    });
    writeFileSync(path.join(dir, 'newton.conf'), site);
    const temp = (name: string) => `${name}_temp_path ${path.join(dir, `${name}-temp`)};`;
    // What the distribution's nginx.conf (or the image's) wraps around conf.d: the test's own, in `dir`.
    const main = [
      // As root, workers would switch to `nobody`, who cannot read the temp dir.
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      'events { worker_connections 1024; }',
      'http {',
      `  log_format upstreams '$request_method $uri $status $upstream_addr';`,
      `  access_log ${path.join(dir, 'access.log')} upstreams;`,
      `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
      `  include ${path.join(dir, 'newton.conf')};`,
      '}',
      '',
    ].join('\n');
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(conf, main);
    const errorLog = path.join(dir, 'error.log');
    const child = spawn(
      NGINX,
      [
        '-p',
        dir,
        '-c',
        conf,
        '-e',
        errorLog,
        '-g',
        `daemon off; pid ${path.join(dir, 'nginx.pid')}; error_log ${errorLog} notice;`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const nginx = new TestNginx(child, dir, httpPort, httpsPort, exited);
    let dead = false;
    void exited.then(() => (dead = true));
    try {
      await eventually(
        async () => {
          if (dead) throw new Error('nginx exited');
          return (await accepts(httpsPort)) && (await accepts(httpPort));
        },
        15_000,
        'nginx to listen',
      );
    } catch (err) {
      await nginx.stop();
      throw new Error(`nginx did not start: ${(err as Error).message}\n${out}\n${nginx.errorLog()}`);
    }
    return nginx;
  }

  /** nginx's error log (startup problems, upstreams it gave up on). */
  errorLog(): string {
    const file = path.join(this.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : '';
  }

  /** Access log lines: `METHOD URI STATUS UPSTREAM[, UPSTREAM…]`. */
  accessLog(): string[] {
    const file = path.join(this.dir, 'access.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Fast shutdown (SIGTERM), waiting for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP(S) request trusting `ca` (a PEM certificate), with a time limit of `timeoutMs`. */
export function request(
  url: string,
  opts: {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    ca?: string;
    timeoutMs?: number;
  } = {},
): Promise<HttpsResult> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? https.request : http.request;
  return new Promise<HttpsResult>((resolve, reject) => {
    const req = send(
      u,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        ...(opts.ca ? { ca: opts.ca } : {}),
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within the time limit`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
