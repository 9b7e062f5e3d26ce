// Builds the server into dist/ with esbuild: one ESM bundle split into chunks, entry points
// dist/cli.js (the `newton` command, bin/newton.js), dist/index.js (the library) and
// dist/body-parse.js (the webhook body threads), plus the plain-JS worker files copied beside them.
//
// Why a bundle: `newton token` must start in ≤ 150 ms, and resolving the ~1,500 small ESM files of
// kysely, zod, jose and libphonenumber-js one by one costs ~0.5 s on this machine.
// The rule: the package's `dependencies` are what dist/ imports at run time and stay external (native
// addons, packages that load files of their own, big SDKs); whatever else the sources import is
// bundled: the pure-JS libraries above and @newton/protocol (from its sources, so the order of the
// builds does not matter), which are devDependencies for that reason. The tarball then needs no
// @newton/* package. Types are checked by `npm run typecheck`; the server ships no .d.ts.
//
// dist/ is flat on purpose: code using `import.meta.url` (the worker files, the inbox lookup) then
// finds the same neighbours from every chunk.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dir = import.meta.dirname;
const out = path.join(dir, 'dist');
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies);

/**
 * zod's `z.locales` namespace pulls its 60-odd translations into the bundle (~0.4 MB to parse at
 * every start); Newton never reads it (messages are English, zod's default), so only `en` is kept.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), '../locales/en.js'), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: dir,
  entryPoints: {
    cli: 'src/cli/main.ts',
    index: 'src/index.ts',
    'body-parse': 'src/http/webhooks/body-parse.ts',
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['newton-source'],
  external,
  sourcemap: true,
  // Less source to scan and pre-parse at every start (`newton token`, issue #14); names are kept,
  // so stack traces stay readable (and map to src/ with --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [zodEnglishOnly],
  logLevel: 'warning',
  // Bundled CommonJS code may call require() for node: modules.
  banner: {
    js: "import { createRequire as __newtonRequire } from 'node:module'; const require = __newtonRequire(import.meta.url);",
  },
});
mkdirSync(out, { recursive: true });
for (const file of ['src/http/webhooks/body-worker.mjs', 'src/store/checkpointer.worker.mjs']) {
  copyFileSync(path.join(dir, file), path.join(out, path.basename(file)));
}
