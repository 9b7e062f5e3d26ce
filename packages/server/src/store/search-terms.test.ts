/**
 * How search reads a query and marks a hit (store/search-terms.ts): folded
 * terms, the FTS5 and tsquery texts built from them (nothing of the user's
 * text but letters and digits reaches either), word-prefix matching and the
 * snippet cut around the first match with its offsets shifted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ftsMatch,
  matchRanges,
  phoneRanges,
  queryTerms,
  snippetOf,
  termCounts,
  tsQuery,
} from './search-terms.js';

test('queries fold to distinct lower-case words without accents, at most 8', () => {
  assert.deepEqual(queryTerms('  ¿CANCIÓN?  "Ñandú" año-2024 canción '), ['cancion', 'nandu', 'ano', '2024']);
  assert.deepEqual(queryTerms('" OR * NEAR( -- ; \'x'), ['or', 'near', 'x']);
  assert.equal(queryTerms('a b c d e f g h i j').length, 8);
  assert.deepEqual(queryTerms('¡¿…!?'), []);
});

test('index queries: prefixes cut to the prefix index, one-letter terms exact, the tenant as one token', () => {
  assert.equal(
    ftsMatch('celu_main', ['celulares', 'a']),
    'tenant : "t63656c755f6d61696e" AND body : ("celula"* AND "a")',
  );
  assert.equal(tsQuery(['hola', 'x']), "'hola':* & 'x'");
});

test('matches are words the terms begin, accents and case ignored', () => {
  const text = 'Quiero vender mi CELULAR; ¿cuánto por la canción? Celu-lar';
  const ranges = matchRanges(text, ['celu', 'cancion']);
  assert.deepEqual(
    ranges.map(([s, e]) => text.slice(s, e)),
    ['CELULAR', 'canción', 'Celu'],
  );
  assert.deepEqual(matchRanges('ulular celular', ['lular']), []);
  assert.deepEqual(termCounts('hola hola HOLAS adiós', ['hola', 'adios', 'x']), {
    counts: [3, 1, 0],
    words: 4,
  });
  assert.deepEqual(phoneRanges('+573001112233', ['3001112', 'ana']), [[3, 10]]);
});

test('a long text is cut around its first match, with … and the offsets shifted', () => {
  const text = `${'palabra '.repeat(40)}aquí está el NÚMERO de serie ${'cola '.repeat(40)}`;
  const { snippet, highlights } = snippetOf(text, ['numero', 'serie']);
  assert.ok(snippet.length <= 162, `${snippet.length}`);
  assert.ok(snippet.startsWith('…') && snippet.endsWith('…'), snippet);
  assert.deepEqual(
    highlights.map(([s, e]) => snippet.slice(s, e)),
    ['NÚMERO', 'serie'],
  );
  const short = snippetOf('Hola, ¿tienen envío?', ['envio']);
  assert.deepEqual(short, { snippet: 'Hola, ¿tienen envío?', highlights: [[14, 19]] });
});
