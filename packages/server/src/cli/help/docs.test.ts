/** docs/cli.md and README's command list say what the help table says (`npm run docs:cli`). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CLI_DOCS_PATH, renderCliDocs, withReadmeCommands } from './docs.js';

const ROOT = path.resolve(import.meta.dirname, '../../../../..');

test('docs/cli.md and the command list in README.md are up to date with cli/help', () => {
  const stale =
    'is out of date with packages/server/src/cli/help: run `npm run docs:cli` and commit the result';
  assert.ok(
    readFileSync(path.join(ROOT, CLI_DOCS_PATH), 'utf8') === renderCliDocs(),
    `${CLI_DOCS_PATH} ${stale}`,
  );
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme === withReadmeCommands(readme), `README.md ${stale}`);
});

test('README and docs/cli.md paste into a shell: no <placeholder> in a command', () => {
  for (const file of ['README.md', CLI_DOCS_PATH, 'docs/operations.md', 'docs/api.md', 'docs/web.md']) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    // Commands in code blocks and inline code that start with newton / npx newton.
    const commands = [
      ...[...text.matchAll(/```(?:sh)?\n([\s\S]*?)```/g)].flatMap((m) => (m[1] as string).split('\n')),
      ...[...text.matchAll(/`([^`\n]*newton [^`\n]*)`/g)].map((m) => m[1] as string),
    ].filter((l) => /^(\$ )?(npx )?newton /.test(l.trim()));
    for (const line of commands) assert.doesNotMatch(line, /<[^>]*>/, `${file}: ${line}`);
  }
});
