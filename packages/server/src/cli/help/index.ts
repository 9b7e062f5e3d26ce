/**
 * Every command's help, and how `newton --help`, `newton help COMMAND` and
 * `newton COMMAND --help` print it. Plain text, placeholders in capitals so
 * that examples and usage paste into a shell.
 */
import { BACKFILL, DOCTOR, RECEIPTS, SIMULATE, START, TENANT, TOKEN, TRACE } from './commands.js';
import { INSTANCE } from './instance.js';
import { type CommandSpec, type GroupSpec, isGroup, type Spec } from './spec.js';
import { USER } from './user.js';

export type { CommandSpec, GroupSpec, OptionSpec, Spec } from './spec.js';
export { isGroup, parserOptions } from './spec.js';

/** Every command, in the order `newton --help` lists them. */
export const SPECS = {
  start: START,
  tenant: TENANT,
  instance: INSTANCE,
  user: USER,
  token: TOKEN,
  simulate: SIMULATE,
  receipts: RECEIPTS,
  doctor: DOCTOR,
  trace: TRACE,
  backfill: BACKFILL,
} as const satisfies Record<string, Spec>;

export type CommandName = keyof typeof SPECS;

/** Every runnable command and subcommand (`start`, `instance add`, …). */
export function allCommands(): CommandSpec[] {
  return Object.values(SPECS).flatMap((s: Spec) => (isGroup(s) ? s.subcommands : [s]));
}

/** The spec `words` name: `['instance', 'add']` → instance add; `['instance']` → the group. */
export function findSpec(words: string[]): Spec | undefined {
  const [first, second] = words;
  if (!first || !Object.hasOwn(SPECS, first)) return undefined;
  const spec: Spec = SPECS[first as CommandName];
  if (!isGroup(spec) || second === undefined) return spec;
  return spec.subcommands.find((c) => c.name === `${first} ${second}`);
}

/** The runnable spec of a command line: the subcommand when the first argument names one. */
export function specOf(name: CommandName, rest: string[]): Spec {
  const spec: Spec = SPECS[name];
  if (!isGroup(spec)) return spec;
  return spec.subcommands.find((c) => c.name === `${name} ${rest[0]}`) ?? spec;
}

const indent = (lines: string[], pad = '  ') => lines.map((l) => `${pad}${l}`);

/** A usage line as printed: `newton …`, continuation lines (indented in the table) under it. */
const usageLines = (usage: string[]) => usage.map((u) => (u.startsWith(' ') ? `      ${u}` : `newton ${u}`));

/** Wraps a sentence to `width` columns after `pad`. */
function wrap(text: string, pad: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && pad.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : `${pad}${l}`));
}

/** `newton --help`: every command with its sentence. */
export function overview(): string {
  const rows: [string, string][] = [];
  for (const spec of Object.values(SPECS) as Spec[]) {
    if (isGroup(spec)) for (const c of spec.subcommands) rows.push([c.name, c.summary]);
    else rows.push([spec.name, spec.summary]);
  }
  rows.push(['help COMMAND', 'Prints the help of a command (the same as newton COMMAND --help).']);
  const width = Math.max(...rows.map(([n]) => n.length)) + 2;
  const pad = ' '.repeat(width + 2);
  return [
    'newton: the WhatsApp conversation node (webhooks in, sockets out).',
    '',
    'usage: newton COMMAND [ARGUMENTS] [OPTIONS]',
    '',
    'commands:',
    ...rows.map(([n, s]) => `  ${n.padEnd(width)}${wrap(s, pad).join('\n')}`),
    '',
    'newton COMMAND --help prints its arguments, options and examples.',
    'Exit codes: 0 done, 1 the command failed (why on stderr), 2 it was called wrong.',
  ].join('\n');
}

function optionLines(spec: CommandSpec): string[] {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.value ? ` ${o.value}` : ''}${o.multiple ? ' (repeatable)' : ''}`;
    return [flag, o.help] as const;
  });
  rows.push(['--help, -h', 'Print this help.']);
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  const pad = ' '.repeat(width + 2);
  return rows.map(([f, h]) =>
    f.length + 2 > width
      ? `  ${f}\n${pad}${wrap(h, pad).join('\n')}`
      : `  ${f.padEnd(width)}${wrap(h, pad).join('\n')}`,
  );
}

/** `newton COMMAND --help`: summary, usage, arguments, options, notes, examples. */
export function commandHelp(spec: CommandSpec): string {
  const out = [`newton ${spec.name}: ${spec.summary}`, '', 'usage:', ...indent(usageLines(spec.usage))];
  if (spec.arguments?.length) {
    out.push('', 'arguments:');
    const width = Math.max(...spec.arguments.map(([a]) => a.length)) + 2;
    const pad = ' '.repeat(width + 2);
    for (const [a, h] of spec.arguments) out.push(`  ${a.padEnd(width)}${wrap(h, pad).join('\n')}`);
  }
  out.push('', 'options:', ...optionLines(spec));
  if (spec.notes?.length) out.push('', ...spec.notes.flatMap((n) => wrap(n, '')));
  if (spec.examples.length) out.push('', 'examples:', ...indent(spec.examples));
  return out.join('\n');
}

/** `newton instance --help`: the subcommands, each with its sentence and usage. */
export function groupHelp(group: GroupSpec): string {
  return [
    `newton ${group.name}: ${group.summary}`,
    '',
    'commands:',
    ...group.subcommands.flatMap((c) => [
      `  ${c.name}: ${c.summary}`,
      ...indent(usageLines(c.usage), '      '),
    ]),
    '',
    `newton ${group.name} SUBCOMMAND --help prints its options and examples.`,
  ].join('\n');
}

export function helpText(spec: Spec): string {
  return isGroup(spec) ? groupHelp(spec) : commandHelp(spec);
}

/** The short usage printed after a usage error. */
export function usageOf(spec: Spec): string {
  const lines = isGroup(spec) ? spec.subcommands.flatMap((c) => c.usage) : spec.usage;
  const name = isGroup(spec) ? `${spec.name} SUBCOMMAND` : spec.name;
  return `usage:\n${indent(usageLines(lines)).join('\n')}\n(newton ${name} --help says more)`;
}
