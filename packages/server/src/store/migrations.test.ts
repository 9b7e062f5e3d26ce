/**
 * Several processes (a server and `newton` commands) may open a fresh
 * database at the same moment: the migrations must run exactly once, and
 * every process must start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../../testing/databases.js';

const CHILD = fileURLToPath(new URL('../../testing/open-store-child.ts', import.meta.url));

test('four processes opening a fresh database at the same moment all start', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'newton-migrate-'));
  const database = await createTestDatabase();
  try {
    const env = { ...process.env, DATA_DIR: dir, ...(database.url ? { DATABASE_URL: database.url } : {}) };
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const outputs = children.map(
      (c) =>
        new Promise<string>((resolve) => {
          let out = '';
          c.stdout.on('data', (d) => (out += d));
          c.on('exit', () => resolve(out));
        }),
    );
    // Every child has loaded its modules; now they open the database together.
    await Promise.all(
      children.map((c) => new Promise<void>((resolve) => c.stdout.once('data', () => resolve()))),
    );
    for (const c of children) c.stdin.write('go\n');
    const results = await Promise.all(outputs);
    assert.deepEqual(
      results.map((r) => r.trim().split('\n').at(-1)),
      ['ok', 'ok', 'ok', 'ok'],
    );
  } finally {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
