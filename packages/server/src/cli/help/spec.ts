/**
 * What a command accepts, said once: the parser reads its options from here
 * and `--help`, `newton help` and docs/cli.md print them, so an option cannot
 * exist without a sentence of help (cli/help.test.ts walks every command).
 * Plain data: loading it loads no command.
 */

/** One option: how the parser reads it and the sentence `--help` prints. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The option may be given several times (values collected in order). */
  multiple?: boolean;
  /** What the value looks like in the help, shell-safe: `TENANT_ID`, `12h`. */
  value?: string;
  /** One sentence: what the option does, its default. */
  help: string;
}

/** One command (`token`) or subcommand (`instance add`). */
export interface CommandSpec {
  /** As typed after `newton`: `token`, `instance add`. */
  name: string;
  /** One sentence: what the command is for (listed by `newton --help`). */
  summary: string;
  /** Usage lines, each after `newton `; placeholders in capitals (TENANT_ID), never `<…>`. */
  usage: string[];
  /** Positional arguments: how many, and how a missing one is named. */
  args: { min: number; max: number; names: string };
  /** Each positional argument with a sentence. */
  arguments?: [string, string][];
  options: Record<string, OptionSpec>;
  /** Further sentences printed after the options. */
  notes?: string[];
  /** Commands that paste into a shell as they are. */
  examples: string[];
}

/** A command made of subcommands (`tenant`, `instance`). */
export interface GroupSpec {
  name: string;
  summary: string;
  subcommands: CommandSpec[];
}

export type Spec = CommandSpec | GroupSpec;

export function isGroup(spec: Spec): spec is GroupSpec {
  return 'subcommands' in spec;
}

/** The options as node:util parseArgs takes them. */
export function parserOptions(
  spec: CommandSpec,
): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  return Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      o.multiple ? { type: o.type, multiple: true } : { type: o.type },
    ]),
  );
}

/** `--json`, shared by every command a script reads. */
export const JSON_OPTION: OptionSpec = {
  type: 'boolean',
  help: 'Print machine-readable JSON on stdout instead of text (a stable shape scripts can parse).',
};

/** `--url` of the commands that talk HTTP to the running server. */
export const SERVER_URL_OPTION: OptionSpec = {
  type: 'string',
  value: 'URL',
  help: "The running server's base URL (default NEWTON_URL, else http://127.0.0.1:$PORT).",
};

/** `--token` of the commands that mint an admin token. */
export const ADMIN_TOKEN_OPTION: OptionSpec = {
  type: 'string',
  value: 'JWT',
  help: "An admin JWT for the tenant; by default one is minted from the deployment's JWT secret (needed with JWKS_URL).",
};
