/**
 * docs/configuration.md is generated from config-schema.ts: it must say what
 * the code does, so a change to an option without regenerating it fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CONFIG_DOCS_PATH, renderConfigDocs } from './config-docs.js';
import { ConfigOptions } from './config-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

test('docs/configuration.md is up to date with config-schema.ts', () => {
  const written = readFileSync(path.join(ROOT, CONFIG_DOCS_PATH), 'utf8');
  assert.ok(
    written === renderConfigDocs(),
    `${CONFIG_DOCS_PATH} is out of date with packages/server/src/config-schema.ts: run \`npm run docs:config\` and commit the result`,
  );
});

test('docs/configuration.md names every variable once, with its default and example', () => {
  const docs = renderConfigDocs();
  for (const o of ConfigOptions) {
    const rows = docs.split('\n').filter((l) => l.startsWith(`| \`${o.env}\` |`));
    assert.equal(rows.length, 1, `${o.env} should have one row`);
    assert.ok(rows[0]!.includes(`\`${o.example}\``), `${o.env}'s row lacks its example`);
  }
  assert.match(docs, /\| `DATABASE_POOL_SIZE` \| integer ≥ 1 \| `10` \|/);
  assert.match(docs, /\| `SQLITE_CHECKPOINT_INTERVAL_MS` \| integer ≥ 0 \| `250` \|/);
  assert.match(docs, /\| `NODE_ID` \| string \| `hostname:pid` \|/);
  assert.doesNotMatch(docs, /CONTRACT\.md|\.\.\/shared/);
});

test("README's short list of variables agrees with docs/configuration.md on defaults", () => {
  const cells = (line: string) => line.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, ''));
  const docsDefault = new Map(
    renderConfigDocs()
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => [cells(l)[0], cells(l)[2]] as const),
  );
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Scale-out'));
  assert.ok(section.includes('(docs/configuration.md)'), 'README should link docs/configuration.md');
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(rows.length > 0);
  for (const row of rows) {
    const [name, def] = cells(row);
    if (docsDefault.has(name)) assert.equal(def, docsDefault.get(name), `README's default of ${name}`);
  }
});
