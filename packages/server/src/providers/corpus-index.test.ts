/**
 * The fixture corpus (`@newton/server/testing/corpus/*`, issue #13): one
 * real-shaped body per case, each naming where its shape comes from, and
 * each driven through a real Newton by at least one test (the test that
 * asserts what is stored and what every socket receives).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = path.resolve(here, '../../testing/corpus');
const srcDir = path.resolve(here, '..');

/** Every `.ts` test file under `dir`, recursively. */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** A source names an Evolution file or issue, or a Meta reference page. */
const NAMED_SOURCE = /evolution-api|EvolutionAPI|issue #?\d+|developers\.facebook\.com|Meta\b/;

const cases = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

describe('fixture corpus', () => {
  test('holds a case for each provider', () => {
    assert.ok(cases.some((c) => c.startsWith('evolution-')));
    assert.ok(cases.some((c) => c.startsWith('cloud-')));
  });

  const tests = testFiles(srcDir).map((f) => readFileSync(f, 'utf8'));
  for (const name of cases) {
    test(`${name}: names its source and is driven by a test`, async () => {
      const mod = (await import(`../../testing/corpus/${name}.js`)) as { source?: unknown };
      assert.equal(typeof mod.source, 'string', `${name} exports no source`);
      assert.match(
        mod.source as string,
        NAMED_SOURCE,
        `${name}'s source names no Evolution file or Meta page`,
      );
      const used = tests.some((t) => t.includes(`corpus/${name}'`) || t.includes(`corpus/${name}.js'`));
      assert.ok(used, `no test imports corpus/${name}`);
    });
  }
});
