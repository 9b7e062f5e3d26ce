#!/usr/bin/env node
// The `newton` command: runs the compiled server (dist/, built by `npm run build`, which
// `npm install` runs). NEWTON_FROM_SOURCE=1 runs the TypeScript sources through tsx instead
// (a dev tool: the test runner sets it so that tests never depend on a stale build).
import { existsSync } from 'node:fs';
import module from 'node:module';

const compiled = new URL('../dist/cli.js', import.meta.url);
let main;
if (process.env.NEWTON_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else if (existsSync(compiled)) {
  // Node 22.1+: V8's code cache on disk (in the OS temp folder) spares later starts the compile.
  module.enableCompileCache?.();
  ({ main } = await import(compiled.href));
} else {
  process.stderr.write('newton: the server is not built (dist/cli.js is missing); run: npm run build\n');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
