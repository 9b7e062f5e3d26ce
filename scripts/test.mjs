#!/usr/bin/env node
// Runs every *.test.ts under packages/ and scripts/ with node's test runner (TypeScript via tsx).
// Everything runs from the TypeScript sources, never from a build (dist/ may be stale or missing):
// the `newton-source` export condition resolves @newton/* to their src/, and NEWTON_FROM_SOURCE=1
// makes a spawned `bin/newton.js` load src/ through tsx. Both reach child processes and worker
// threads through the environment. scripts/pack.test.ts is the test of the built packages.
// Usage: node scripts/test.mjs [path-filter ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) find(full, out);
    else if (name.endsWith('.test.ts')) out.push(path.relative(root, full));
  }
  return out;
}

const files = [...find(path.join(root, 'packages')), ...find(path.join(root, 'scripts'))]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-timeout=300000',
  '--test-reporter=spec',
  ...files,
];
const db = process.env.NEWTON_TEST_DB ?? 'sqlite';
console.log(`# ${files.length} test files against ${db}`);
const env = {
  ...process.env,
  NEWTON_FROM_SOURCE: '1',
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=newton-source`.trim(),
};
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
