/**
 * uWebSockets.js for the fan-out scenario's native ceiling (issue #16). The
 * official package is published on GitHub only; `uws-pack` on the npm registry
 * ships the same prebuilt binaries (Linux x64 for Node 20's ABI among them). It
 * is installed on first use into bench/.uws (git-ignored), not into the
 * project: it declares Node ≥ 22 and would warn on every `npm ci` on Node 20,
 * and nothing but this benchmark loads it. When it does not install or load
 * (no registry, no binary for this Node), the reason is returned and the
 * scenario keeps the other servers.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './server.js';

export const UWS_PACKAGE = 'uws-pack@20.0.8';
export const UWS_DIR = path.join(ROOT, 'bench/.uws');
/** The module bench/competitors/uws-server.ts imports. */
export const UWS_ENTRY = path.join(UWS_DIR, 'node_modules/uws-pack/dist/index.mjs');

/** Installs uws-pack if needed and checks it loads; resolves to null when usable, else why not. */
export async function ensureUws(): Promise<string | null> {
  const run = promisify(execFile);
  if (!existsSync(UWS_ENTRY)) {
    try {
      await run(
        'npm',
        [
          'install',
          '--prefix',
          UWS_DIR,
          '--no-save',
          '--no-audit',
          '--no-fund',
          '--engine-strict=false',
          UWS_PACKAGE,
        ],
        { timeout: 120_000 },
      );
    } catch (err) {
      return `npm install ${UWS_PACKAGE} failed: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  try {
    await run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(UWS_ENTRY)})`], {
      timeout: 30_000,
    });
    return null;
  } catch (err) {
    const lines = String((err as { stderr?: string }).stderr ?? (err as Error).message).split('\n');
    return `${UWS_PACKAGE} does not load on Node ${process.version}: ${lines.find((l) => /Error/.test(l)) ?? lines[0]}`;
  }
}
