/**
 * The browser build: `@newton/client` bundled on its own (with the parts of
 * @newton/protocol it uses) for the browser, minified and gzipped. Printed on
 * every run; the budget is 5 KiB (centrifuge-js is 23.5 kB, socket.io-client 13 kB).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET_GZIP_BYTES = 5 * 1024;

test('browser bundle: no Node built-ins, min+gzip within 5 KiB', async (t) => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser', // a `node:` import would fail the build
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const text = Buffer.from(code).toString('utf8');
  assert.doesNotMatch(text, /\brequire\(|\bprocess\.|\bBuffer\./, 'nothing Node-only');
  const gzip = gzipSync(code, { level: 9 }).length;
  const brotli = brotliCompressSync(code).length;
  t.diagnostic(
    `@newton/client browser bundle: ${code.length} B minified, ${gzip} B min+gzip (${(gzip / 1024).toFixed(2)} KiB), ${brotli} B brotli`,
  );
  assert.ok(gzip <= BUDGET_GZIP_BYTES, `${gzip} B gzip is over the ${BUDGET_GZIP_BYTES} B budget`);
});
