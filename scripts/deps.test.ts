// The dependency check fails on a forbidden import: a throwaway tree shaped like packages/server/src
// (core, store, http) is checked by `scripts/deps.ts` with the real .dependency-cruiser.cjs, once
// with store/x.ts importing ../http/y.js and once without. Nothing is written into the repository.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { checkDependencies } from './deps.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-deps-'));
  dirs.push(dir);
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true },
    }),
    'packages/server/src/core/index.ts': 'export interface Named {\n  name: string;\n}\n',
    'packages/server/src/store/x.ts':
      "import type { Named } from '../core/index.js';\n\nexport const x: Named = { name: 'x' };\n",
    'packages/server/src/http/y.ts': "import { x } from '../store/x.js';\n\nexport const y = x.name;\n",
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** `npm run deps`, pointed at a throwaway tree (a child process: the exit code is the check's verdict) */
function runDeps(baseDir: string) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/deps.ts', '--base-dir', baseDir, 'packages'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  return { code: run.status, out: run.stdout + run.stderr };
}

const FORBIDDEN =
  'error leaf-imports-only-core: packages/server/src/store/x.ts → packages/server/src/http/y.ts';

test('npm run deps fails on store importing http, naming the file, the import and the rule', () => {
  const dir = tree({
    'packages/server/src/store/x.ts':
      "import type { Named } from '../core/index.js';\nimport { y } from '../http/y.js';\n\n" +
      "export const x: Named = { name: 'x' };\nexport const fromHttp = () => y;\n",
  });
  const { code, out } = runDeps(dir);
  assert.equal(code, 1, out);
  assert.ok(out.split('\n').includes(FORBIDDEN), out);
});

test('the same tree without that import passes', async () => {
  const { violations } = await checkDependencies({ baseDir: tree({}), roots: ['packages'] });
  assert.deepEqual(violations, []);
});

test('the .js specifiers resolve to the .ts files, so the rules see every edge', async () => {
  const dir = tree({
    'packages/server/src/store/x.ts':
      "import type { Named } from '../core/index.js';\nimport { y } from '../http/y.js';\n\n" +
      "export const x: Named = { name: 'x' };\nexport const fromHttp = () => y;\n",
  });
  const { violations } = await checkDependencies({ baseDir: dir, roots: ['packages'] });
  assert.deepEqual(violations.map((v) => `${v.rule}: ${v.from} → ${v.to}`).sort(), [
    // the planted import closes a cycle, too (a module cycle is reported once, at one of its edges)
    'leaf-imports-only-core: packages/server/src/store/x.ts → packages/server/src/http/y.ts',
    'no-circular: packages/server/src/http/y.ts → packages/server/src/store/x.ts',
    'no-folder-cycle: packages/server/src/http → packages/server/src/store',
    'no-folder-cycle: packages/server/src/store → packages/server/src/http',
  ]);
});
