/** The help table of every command but `instance` (help/instance.ts). */
import {
  ADMIN_TOKEN_OPTION,
  type CommandSpec,
  type GroupSpec,
  JSON_OPTION,
  SERVER_URL_OPTION,
} from './spec.js';

const TENANT_ARG: [string, string] = [
  'TENANT_ID',
  'The tenant (1-64 letters, digits, `_` or `-`), as given to `newton tenant add`.',
];

export const START: CommandSpec = {
  name: 'start',
  summary: 'Runs a Newton node (HTTP API, webhooks, sockets, inbox) until SIGTERM or Ctrl-C.',
  usage: ['start'],
  args: { min: 0, max: 0, names: '' },
  options: {},
  notes: [
    'Configuration comes from the environment (docs/configuration.md): PORT, DATA_DIR, DATABASE_URL, REDIS_URL, PUBLIC_URL, …',
    'Logs go to stdout as JSON and to DATA_DIR/logs/newton.log (LOG_FILE), where `newton trace` reads them.',
    'A start-up failure (port in use, database missing or unreachable, bad configuration) is one line on stderr with the fix, exit 1; LOG_LEVEL=debug adds the stack.',
  ],
  examples: [
    'npx newton start',
    'PORT=3000 DATABASE_URL=postgres://newton@127.0.0.1:5432/newton npx newton start',
  ],
};

export const TENANT: GroupSpec = {
  name: 'tenant',
  summary: 'Creates and lists tenants (the accounts whose conversations Newton keeps apart).',
  subcommands: [
    {
      name: 'tenant add',
      summary:
        'Creates a tenant: an account whose numbers, conversations and agents are kept apart from the others.',
      usage: ['tenant add TENANT_ID [--name NAME]'],
      args: { min: 1, max: 1, names: 'TENANT_ID' },
      arguments: [
        [
          'TENANT_ID',
          "The new tenant's id: 1-64 letters, digits, `_` or `-`; tokens, sockets and the API name it.",
        ],
      ],
      options: {
        name: { type: 'string', value: 'NAME', help: 'A display name for the tenant (default none).' },
      },
      examples: ['npx newton tenant add celucambio_main --name "Celucambio"'],
    },
    {
      name: 'tenant list',
      summary: 'Lists the tenants with their name and last event sequence.',
      usage: ['tenant list [--json]'],
      args: { min: 0, max: 0, names: '' },
      options: { json: JSON_OPTION },
      notes: ['--json prints an array of {"id", "name", "last_seq"}.'],
      examples: ['npx newton tenant list', 'npx newton tenant list --json'],
    },
  ],
};

export const TOKEN: CommandSpec = {
  name: 'token',
  summary: "Prints a JWT that opens the tenant's sockets and API (for an agent, or an admin).",
  usage: ['token TENANT_ID [--user USER_ID] [--role ROLE] [--ttl 12h] [--json]'],
  args: { min: 1, max: 1, names: 'TENANT_ID' },
  arguments: [TENANT_ARG],
  options: {
    user: { type: 'string', value: 'USER_ID', help: 'The user the token names (its `sub`; default none).' },
    role: { type: 'string', value: 'ROLE', help: '`agent` (default) or `admin` (diagnostics, backfill).' },
    ttl: {
      type: 'string',
      value: '12h',
      help: 'How long the token lasts: seconds, or a number with s, m, h or d (default 12h, at most 366d).',
    },
    json: JSON_OPTION,
  },
  notes: [
    'Prints only the token, so TOKEN=$(npx newton token …) captures it.',
    '--json prints {"token", "tenant", "role", "user_id", "issued_at", "expires_at", "claims"}.',
  ],
  examples: [
    'TOKEN=$(npx newton token celucambio_main --user ana)',
    'npx newton token celucambio_main --role admin --ttl 30m --json',
  ],
};

export const SIMULATE: CommandSpec = {
  name: 'simulate',
  summary:
    "Posts a customer's text to the running server through the real webhook path, as the provider would.",
  usage: ['simulate TENANT_ID --from PHONE --text TEXT [--name NAME] [--instance INSTANCE] [--url URL]'],
  args: { min: 1, max: 1, names: 'TENANT_ID' },
  arguments: [TENANT_ARG],
  options: {
    from: {
      type: 'string',
      value: 'PHONE',
      help: "The customer's phone number, international digits (required).",
    },
    text: { type: 'string', value: 'TEXT', help: 'The message text (required).' },
    name: { type: 'string', value: 'NAME', help: "The customer's WhatsApp profile name (pushName)." },
    instance: {
      type: 'string',
      value: 'INSTANCE',
      help: 'The Evolution instance name or Cloud phone_number_id (default the first Evolution instance, else the first Cloud number).',
    },
    url: SERVER_URL_OPTION,
  },
  notes: [
    'An Evolution instance gets a messages.upsert authenticated as it; a Cloud number a webhook signed with its app secret.',
  ],
  examples: [
    'npx newton simulate celucambio_main --from 573001112233 --text "Hola, quiero vender mi celular"',
  ],
};

export const RECEIPT_OUTCOMES = [
  'accepted',
  'duplicate',
  'ignored',
  'unroutable',
  'rejected',
  'backfilled',
  'account',
] as const;

export const RECEIPTS: CommandSpec = {
  name: 'receipts',
  summary: 'Lists recent webhook receipts, newest first: what arrived, where it went and why.',
  usage: ['receipts [--tenant TENANT_ID] [--instance INSTANCE] [--outcome OUTCOME] [--limit 20] [--json]'],
  args: { min: 0, max: 0, names: '' },
  options: {
    tenant: { type: 'string', value: 'TENANT_ID', help: "Only this tenant's receipts." },
    instance: { type: 'string', value: 'INSTANCE', help: "Only this instance's receipts." },
    outcome: {
      type: 'string',
      value: 'OUTCOME',
      help: `Only one outcome: ${RECEIPT_OUTCOMES.join(', ')}.`,
    },
    limit: { type: 'string', value: '20', help: 'How many receipts, 1 to 1000 (default 20).' },
    json: JSON_OPTION,
  },
  notes: [
    'Text: one tab-separated line per receipt (time, outcome, event, instance, tenant, reason, trace id).',
    '--json prints a JSON array of {"received_at", "outcome", "provider", "event", "instance", "tenant_id", "reason", "trace_id", "message_id", "provider_message_id", "sender_number", "body_size"}.',
  ],
  examples: [
    'npx newton receipts --outcome unroutable --limit 5',
    'npx newton receipts --tenant celucambio_main --json',
  ],
};

export const DOCTOR: CommandSpec = {
  name: 'doctor',
  summary:
    "Checks every hop of a tenant's message path on the running deployment and says which fails and how to fix it.",
  usage: [
    'doctor TENANT_ID [--url URL] [--token JWT] [--instance INSTANCE] [--timeout 5000] [--no-probe] [--json]',
  ],
  args: { min: 1, max: 1, names: 'TENANT_ID' },
  arguments: [TENANT_ARG],
  options: {
    url: SERVER_URL_OPTION,
    token: ADMIN_TOKEN_OPTION,
    instance: {
      type: 'string',
      value: 'INSTANCE',
      help: 'The instance the end-to-end probe goes through (default the first).',
    },
    timeout: {
      type: 'string',
      value: '5000',
      help: 'Milliseconds to wait for each answer, 100 to 120000 (default 5000).',
    },
    'no-probe': {
      type: 'boolean',
      help: 'Skip the end-to-end probe (a synthetic webhook to a socket of its own).',
    },
    json: JSON_OPTION,
  },
  notes: [
    'Exit 1 when a hop fails; warnings and skips do not fail.',
    '--json prints the report: {"ok", "tenant_id", "url", "node", "hops": [{"id", "status", "detail", "hint", "evidence"}], …}.',
  ],
  examples: ['npx newton doctor celucambio_main', 'npx newton doctor celucambio_main --no-probe --json'],
};

export const TRACE: CommandSpec = {
  name: 'trace',
  summary: "Prints one message's journey: receipt, stored message, events, and each node's log lines.",
  usage: ['trace MESSAGE_ID [--log FILE]... [--json]'],
  args: { min: 1, max: 1, names: 'MESSAGE_ID' },
  arguments: [['MESSAGE_ID', "A Newton message id, the provider's message id, or a trace id."]],
  options: {
    log: {
      type: 'string',
      multiple: true,
      value: 'FILE',
      help: "A node's pino log file; repeat for each node (default every *.log and *.log.1 in DATA_DIR/logs, where `newton start` writes).",
    },
    json: JSON_OPTION,
  },
  notes: ['Exit 1 when nothing is known of the id.'],
  examples: [
    'npx newton trace 3EB0C431C26A1F2B9B7A',
    'npx newton trace 3EB0C431C26A1F2B9B7A --log node-1.log --log node-2.log',
  ],
};

export const BACKFILL: CommandSpec = {
  name: 'backfill',
  summary:
    'Asks the running server to recover messages Evolution holds but never posted (the webhook failed for good).',
  usage: ['backfill TENANT_ID [--instance INSTANCE] [--since 2h] [--url URL] [--token JWT] [--json]'],
  args: { min: 1, max: 1, names: 'TENANT_ID' },
  arguments: [TENANT_ARG],
  options: {
    instance: {
      type: 'string',
      value: 'INSTANCE',
      help: "Only this Evolution instance (default each of the tenant's with a URL and API key).",
    },
    since: {
      type: 'string',
      value: '2h',
      help: 'From when: a duration back from now (30m, 2h, 1d) or an ISO-8601 time (default BACKFILL_LOOKBACK_MS).',
    },
    url: SERVER_URL_OPTION,
    token: ADMIN_TOKEN_OPTION,
    json: JSON_OPTION,
  },
  notes: [
    'Prints a line per page and a summary (--json: the summary only); exit 1 when the provider could not be read.',
  ],
  examples: [
    'npx newton backfill celucambio_main --since 2h',
    'npx newton backfill celucambio_main --since 2026-05-01T08:00:00Z --json',
  ],
};

/** The spec of `tenant SUB`, for its parser. */
export function tenantSubcommand(name: `tenant ${string}`): CommandSpec {
  const found = TENANT.subcommands.find((c) => c.name === name);
  if (!found) throw new Error(`no help table for ${name}`);
  return found;
}
