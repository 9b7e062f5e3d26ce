// The dependency rule (docs/architecture.md, "Layers and the dependency rule"). `npm test` checks it
// with `npm run deps` (scripts/deps.ts), which prints one line per violation; scripts/deps.test.ts
// proves it fails on a planted forbidden import.
//
// Paths are relative to the directory dependency-cruiser runs in (the repo root). A "folder" is the
// first directory under packages/server/src; the files directly in src/ (app.ts, config.ts, index.ts)
// are the composition root ("root"). Test files (*.test.ts) are exempt from the layer rules and from
// the packages' direction rules; they are bound by no-importing-tests and
// packages-only-through-exports. scripts/deps.ts checks the folder-scope rule (no-folder-cycle)
// without the test files; running `depcruise --config .dependency-cruiser.cjs` by hand includes them.

const SRC = '^packages/server/src/';
const TEST = '\\.test\\.ts$';

/** A folder may import (inside packages/server/src) only the folders named; npm and node are free. */
function layer(name, folders, mayImport) {
  return {
    name,
    severity: 'error',
    comment: `${folders} may import only ${mayImport.join(', ')} inside packages/server/src`,
    from: { path: `${SRC}(${folders})/`, pathNot: TEST },
    to: { path: SRC, pathNot: `${SRC}(${mayImport.join('|')})/` },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // --- layers inside packages/server/src ---
    layer('core-imports-only-core', 'core', ['core']),
    {
      ...layer('leaf-imports-only-core', 'store|bus|providers|auth|ws', ['$1', 'core']),
      comment: 'store, bus, providers, auth and ws may import only their own folder and core',
    },
    layer('pipeline-imports-core-store', 'pipeline', ['pipeline', 'core', 'store']),
    {
      ...layer('upstream-imports-core-store-providers-pipeline', 'upstream', [
        'upstream',
        'core',
        'store',
        'providers',
        'pipeline',
      ]),
      comment:
        'upstream (checks of and backfill from the providers) may import core, store, providers, pipeline',
    },
    {
      ...layer('media-imports-core-store-providers-pipeline', 'media', [
        'media',
        'core',
        'store',
        'providers',
        'pipeline',
      ]),
      comment:
        'media (the media store and keeper) may import core, store, providers (media fetchers), pipeline (publish)',
    },
    layer('diagnostics-imports-below-http', 'diagnostics', [
      'diagnostics',
      'upstream',
      'core',
      'store',
      'ws',
      'providers',
      'pipeline',
      'auth',
      'bus',
    ]),
    {
      name: 'http-not-cli-or-root',
      severity: 'error',
      comment:
        'http may import every folder but cli, and not the composition root (app.ts, config.ts, index.ts)',
      from: { path: `${SRC}http/`, pathNot: TEST },
      to: { path: `${SRC}(cli/|[^/]+$)` },
    },
    {
      name: 'cli-not-http',
      severity: 'error',
      comment:
        'cli may not import http: what a command shares with a route lives below both; ' +
        'cli reaches HTTP through the composition root (start) or as a client (doctor)',
      from: { path: `${SRC}cli/`, pathNot: TEST },
      to: { path: `${SRC}http/` },
    },
    {
      name: 'root-not-cli',
      severity: 'error',
      comment:
        'cli starts the composition root, not the other way round (a cycle no-folder-cycle cannot see: ' +
        'the root files live in the parent of every folder)',
      from: { path: `${SRC}[^/]+$`, pathNot: TEST },
      to: { path: `${SRC}cli/` },
    },
    {
      name: 'no-test-support-in-product',
      severity: 'error',
      comment: 'packages/server/testing (@newton/server/testing/*) is for tests only',
      from: { path: SRC, pathNot: TEST },
      to: { path: '^packages/server/testing/' },
    },
    {
      name: 'no-importing-tests',
      severity: 'error',
      comment: 'nothing in packages/server/src imports a test file',
      from: { path: SRC },
      to: { path: TEST },
    },

    // --- cycles (product code) ---
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'circular import',
      from: { pathNot: TEST },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'two folders of packages/server/src import each other (directly or through others)',
      scope: 'folder',
      from: { path: SRC },
      to: { circular: true },
    },

    // --- packages ---
    {
      name: 'protocol-imports-no-package',
      severity: 'error',
      comment: '@newton/protocol depends on no other workspace package',
      from: { path: '^packages/protocol/', pathNot: TEST },
      to: { path: '^packages/(?!protocol/)' },
    },
    {
      name: 'client-imports-only-protocol',
      severity: 'error',
      comment: '@newton/client depends only on @newton/protocol',
      from: { path: '^packages/client/src/', pathNot: TEST },
      to: { path: '^packages/(?!client/|protocol/)' },
    },
    {
      name: 'web-imports-only-client-protocol',
      severity: 'error',
      comment: 'the inbox (packages/web/src) depends only on @newton/client and @newton/protocol',
      from: { path: '^packages/web/src/' },
      to: { path: '^packages/(?!web/|client/|protocol/)' },
    },
    {
      name: 'server-not-client-web',
      severity: 'error',
      comment: '@newton/server depends on @newton/protocol, never on the client SDK or the inbox',
      from: { path: '^packages/server/', pathNot: TEST },
      to: { path: '^packages/(client|web)/' },
    },
    {
      name: 'packages-only-through-exports',
      severity: 'error',
      comment: 'reach into another package by its name (its package.json exports), not by a relative path',
      from: { path: '^(bench|packages/[^/]+)/' },
      to: {
        path: '^packages/',
        pathNot: '^$1/',
        dependencyTypes: ['local'],
        dependencyTypesNot: ['aliased-workspace'],
      },
    },
    {
      name: 'workspace-import-not-exported',
      severity: 'error',
      comment: "an @newton/* import must resolve through that package's exports",
      from: {},
      to: { path: '^@newton/', couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^packages/web/(build|\\.svelte-kit)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
    },
    skipAnalysisNotInRules: true,
  },
};
