/**
 * Runs `newton <argv…>` in this process (fast, no child process) against a
 * node's data, collecting what it prints. For tests only.
 */
import { main } from '../src/cli/main.js';

export interface CliRun {
  code: number;
  /** Every line printed to stdout, each ending in a newline. */
  out: string;
  /** Every line printed to stderr, each ending in a newline. */
  err: string;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
    env,
  });
  return { code, out, err };
}
