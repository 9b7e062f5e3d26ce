// `npm pack` / `npm publish` of @newton/server (prepack, postpack --clean): the tarball ships the
// compiled server (dist/) and the built inbox, copied from packages/web/build into web/ here
// (src/http/web-routes.ts serves web/ when it is there). Both must have been built: `npm run build`.
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
const web = path.join(dir, 'web');
rmSync(web, { recursive: true, force: true });
if (process.argv[2] !== '--clean') {
  const build = path.resolve(dir, '../web/build');
  for (const needed of [path.join(dir, 'dist/cli.js'), path.join(build, 'index.html')]) {
    if (!existsSync(needed)) {
      process.stderr.write(`@newton/server: ${needed} is missing; run npm run build first\n`);
      process.exit(1);
    }
  }
  cpSync(build, web, { recursive: true });
}
