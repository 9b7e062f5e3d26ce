// The docs stand alone (#14): README.md and docs/*.md cite no document the
// repository does not contain (CONTRACT.md, PROVIDERS.md, ../shared), and every
// relative link points at a file that exists and, with a #fragment, at a heading
// of that file (GitHub's anchors). Neither do comments in packages/ cite them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const ABSENT = /CONTRACT\.md|PROVIDERS\.md|\.\.\/shared\b/;

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = anchorOf(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('the docs cite no document the repository lacks', () => {
  const found = docs.filter((f) => ABSENT.test(readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(found, []);
  // git grep exits 1 when nothing matches.
  const inCode = spawnSync(
    'git',
    ['grep', '-l', '-E', 'CONTRACT\\.md|PROVIDERS\\.md', '--', 'packages', 'bench'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  assert.equal(inCode.stdout, '', 'source files citing a document the repository lacks');
  assert.equal(inCode.status, 1);
});

test('relative links in the docs resolve: the file exists and so does the heading', () => {
  const broken: string[] = [];
  for (const doc of docs) {
    const text = readFileSync(path.join(root, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z]+:/i.test(target)) continue;
      const [file = '', fragment] = target.split('#');
      const resolved =
        file === '' ? path.join(root, doc) : path.resolve(path.dirname(path.join(root, doc)), file);
      if (!existsSync(resolved)) broken.push(`${doc}: ${target} (no such file)`);
      else if (fragment && resolved.endsWith('.md') && !anchors(resolved).has(fragment))
        broken.push(`${doc}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the anchor rule is GitHub’s', () => {
  assert.equal(
    anchorOf('2.4 Sending a reply, retrying it, marking read'),
    '24-sending-a-reply-retrying-it-marking-read',
  );
  assert.equal(anchorOf('8.9 `message_reaction` **[addition]**'), '89-message_reaction-addition');
  assert.equal(anchorOf('Server → client control frames'), 'server--client-control-frames');
});
