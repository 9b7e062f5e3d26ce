#!/usr/bin/env node
// `npm run build` (and so `npm install`, through `prepare`): every package's dist/, then the inbox.
// - @newton/protocol, then @newton/client: tsc (ESM JavaScript, .d.ts, source maps; tsconfig.build.json);
// - @newton/server: esbuild (packages/server/build.mjs), alongside the two above;
// - @newton/web: vite build (packages/web/build, served by the server).
// Quiet on success; a failing step prints its output and the build exits 1.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const vite = path.join(
  path.dirname(require.resolve('vite/package.json', { paths: [path.join(root, 'packages/web')] })),
  'bin/vite.js',
);

/**
 * Lines a successful step prints that say nothing to someone installing Newton: SvelteKit's hint to
 * run a `preview` script (the inbox is served by `npm start`) and adapter-static's progress lines.
 */
const NOISE = [
  /to preview your production build locally/,
  /Using @sveltejs\/adapter-static/,
  /Wrote site to/,
  /^\s*✔ done$/,
];

function quiet(output) {
  return output
    .split('\n')
    .filter((line) => !NOISE.some((re) => re.test(line)))
    .join('\n');
}

function step(name, args, cwd = root) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) {
        // warnings of a successful step are still worth seeing
        const rest = quiet(output);
        if (rest.trim()) process.stderr.write(`${rest.trim()}\n`);
        resolve();
      } else reject(new Error(`build: ${name} failed (exit ${code})\n${output}`));
    });
  });
}

function tscBuild(pkg) {
  rmSync(path.join(root, 'packages', pkg, 'dist'), { recursive: true, force: true });
  return step(`@newton/${pkg}`, [tsc, '-p', `packages/${pkg}/tsconfig.build.json`]);
}

try {
  await Promise.all([
    tscBuild('protocol').then(() => tscBuild('client')),
    step('@newton/server', ['build.mjs'], path.join(root, 'packages/server')),
  ]);
  await step('@newton/web', [vite, 'build', '--logLevel', 'warn'], path.join(root, 'packages/web'));
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
