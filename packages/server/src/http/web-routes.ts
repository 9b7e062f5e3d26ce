/**
 * Serves the inbox (packages/web, a static SvelteKit build) at `/`:
 * - files of the build by path (`/_app/immutable/*` cached for a year: their names carry a hash);
 * - `/`, and any other GET of a browser navigating (`Accept: text/html`) that is not a server path
 *   → `index.html` (the app routes in the browser); anything else keeps the JSON 404;
 * - no build → a page saying how to make one (`npm run build -w @newton/web`; `npm install` does it).
 * The build is looked up per request, so building while the server runs needs no restart.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** This package's folder (with its package.json): above src/http/ in the sources, above dist/ built. */
function packageDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * The inbox build: `web/` inside this package when it was installed from its tarball (`npm pack`
 * copies the build there), else where `vite build` writes it in the repository (packages/web/build).
 */
export function defaultWebDir(pkg = packageDir()): string {
  const shipped = path.join(pkg, 'web');
  return existsSync(path.join(shipped, 'index.html')) ? shipped : path.resolve(pkg, '../web/build');
}

/** Paths that belong to the server, never to the app. */
const SERVER_PREFIXES = ['/api', '/ws', '/webhooks', '/docs', '/metrics', '/healthz', '/readyz'];

export interface WebRouteOptions {
  /** Directory of the inbox build. @default the package's web/, else packages/web/build */
  webDir?: string;
}

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Newton: the inbox is not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:640px;margin:10vh auto;padding:0 16px;color:#1b1f24}
code{background:#f0f2f4;padding:2px 6px;border-radius:4px}</style></head>
<body><h1>The inbox is not built yet</h1>
<p>Newton is running: the API, webhooks and sockets work. The web inbox needs one build step:</p>
<p><code>npm run build -w @newton/web</code></p>
<p>(<code>npm install</code> runs it too.) Then reload this page; no restart needed.</p>
<p>API documentation: <a href="/docs">/docs</a>.</p></body></html>`;

function isServerPath(url: string): boolean {
  const p = url.split('?')[0] ?? '';
  return SERVER_PREFIXES.some((x) => p === x || p.startsWith(`${x}/`));
}

export async function webRoutes(app: FastifyInstance, opts: WebRouteOptions): Promise<void> {
  const root = path.resolve(opts.webDir ?? defaultWebDir());
  await app.register(fastifyStatic, { root, serve: false });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (isServerPath(req.url)) return reply.callNotFound();
    const index = path.join(root, 'index.html');
    if (!existsSync(index)) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(MISSING_BUILD);
    }
    let rel: string;
    try {
      rel = decodeURIComponent((req.url.split('?')[0] ?? '/').replace(/^\/+/, ''));
    } catch {
      return reply.callNotFound();
    }
    const file = path.resolve(root, rel);
    const inside = file.startsWith(root + path.sep);
    if (inside && rel !== '' && existsSync(file) && statSync(file).isFile()) {
      const immutable = rel.startsWith('_app/immutable/');
      return reply.sendFile(rel, root, {
        maxAge: immutable ? 365 * 24 * 3600 * 1000 : 0,
        immutable,
        cacheControl: true,
      });
    }
    // `/` is always the app. Other paths get it only when a browser navigates (Accept: text/html);
    // API clients and scripts keep the JSON 404, and so does a file-like path that does not exist.
    const wantsHtml = /text\/html/.test(String(req.headers.accept ?? ''));
    if (rel !== '' && (/\.[a-z0-9]+$/i.test(rel) || !wantsHtml)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
