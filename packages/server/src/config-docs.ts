import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { type ConfigOption, ConfigSections, describeOptions } from './config-schema.js';

/**
 * Writes docs/configuration.md from the options declared in config-schema.ts
 * (`npm run docs:config`); config-docs.test.ts fails when the file is stale.
 */

/** Where the generated reference lives, from the repository root. */
export const CONFIG_DOCS_PATH = 'docs/configuration.md';

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  default?: unknown;
}

const code = (text: unknown) => `\`${String(text)}\``;

/** The accepted values in words, read from the option's schema. */
function typeOf(json: JsonSchema): string {
  const alternatives = json.anyOf?.filter((s) => Object.keys(s).length > 0);
  if (alternatives?.length === 1) return typeOf(alternatives[0]!);
  if (json.enum) return `one of ${json.enum.map(code).join(', ')}`;
  if (json.type === 'integer') {
    const max =
      json.maximum === undefined || json.maximum >= Number.MAX_SAFE_INTEGER ? undefined : json.maximum;
    return max === undefined ? `integer ≥ ${json.minimum ?? 0}` : `integer ${json.minimum ?? 0}–${max}`;
  }
  if (json.format === 'uri') return 'URL';
  if (json.pattern) return `string matching ${code(json.pattern.replaceAll('\\/', '/'))}`;
  if (json.minLength && json.minLength > 1) return `string, ≥ ${json.minLength} characters`;
  return json.type ?? 'string';
}

/** One option's table row. */
function row(option: ConfigOption): string {
  const json = z.toJSONSchema(option.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const fallback = json.default === undefined ? 'unset' : code(json.default);
  const cells = [
    code(option.env),
    typeOf(json),
    option.defaultText ?? fallback,
    option.description,
    code(option.example),
  ];
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

/** The whole of docs/configuration.md. */
export function renderConfigDocs(): string {
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from packages/server/src/config-schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Newton is configured by environment variables only; `newton` commands read',
    'the same variables as the server. An empty variable counts as unset. A bad',
    'value stops the server (and any command) at start with one line naming each',
    'bad variable and an example of a good value, e.g. `newton start: invalid',
    'configuration: PUBLIC_URL must be an absolute http(s) URL without a query or',
    'fragment (for example PUBLIC_URL=https://newton.example.com)`, exit 1',
    '(embedded, `loadConfig` throws a `ConfigError` with code `NEWTON_ERR_CONFIG`',
    'and a line per variable in `problems`).',
    '',
    'Durations are in milliseconds and sizes in bytes.',
  ];
  for (const section of ConfigSections) {
    out.push('', `## ${section.title}`, '');
    out.push('| Variable | Type | Default | Description | Example |', '| --- | --- | --- | --- | --- |');
    for (const option of describeOptions(section.options)) out.push(row(option));
  }
  out.push(
    '',
    '## Command line',
    '',
    '`NEWTON_URL` (default `http://127.0.0.1:$PORT`) tells `newton` commands that',
    'talk HTTP (`newton simulate`, `newton doctor`, the URLs `newton instance add`',
    'prints) where the server is; the server itself does not read it.',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = path.resolve(import.meta.dirname, '../../..');
  writeFileSync(path.join(root, CONFIG_DOCS_PATH), renderConfigDocs());
  console.log(`wrote ${CONFIG_DOCS_PATH}`);
}
