/** The help table of `newton instance` and its subcommands. */
import { type CommandSpec, type GroupSpec, JSON_OPTION, type OptionSpec } from './spec.js';

const TENANT_ARG: [string, string] = ['TENANT_ID', 'The tenant the instance belongs to.'];
const INSTANCE_ARG: [string, string] = [
  'INSTANCE',
  "The Evolution instance name, or the Cloud API number's phone_number_id.",
];
const PROVIDER_PICK: OptionSpec = {
  type: 'string',
  value: 'PROVIDER',
  help: 'evolution or cloud: which one, when an Evolution instance and a Cloud number share the name.',
};
const ALLOW_SHARED: OptionSpec = {
  type: 'boolean',
  help: "Accept a number another tenant's instance already has (refused by default, naming that tenant).",
};

/** Options only a Cloud API number takes (`instance add --provider cloud`). */
export const CLOUD_OPTIONS = {
  'phone-number-id': {
    type: 'string',
    value: 'PHONE_NUMBER_ID',
    help: "Cloud API: the number's phone_number_id in Meta's app (required; becomes the instance's name).",
  },
  'app-secret': {
    type: 'string',
    value: 'APP_SECRET',
    help: "Cloud API: the Meta app's secret; every webhook's X-Hub-Signature-256 is checked with it (required).",
  },
  'verify-token': {
    type: 'string',
    value: 'VERIFY_TOKEN',
    help: 'Cloud API: the verify token you give Meta with the callback URL (required).',
  },
  'access-token': {
    type: 'string',
    value: 'ACCESS_TOKEN',
    help: 'Cloud API: the access token replies and media are sent with (required).',
  },
  'graph-url': {
    type: 'string',
    value: 'URL',
    help: 'Cloud API: the Graph API base (default https://graph.facebook.com/v21.0).',
  },
} as const satisfies Record<string, OptionSpec>;

const ADD: CommandSpec = {
  name: 'instance add',
  summary: 'Adds a WhatsApp number to a tenant: an Evolution API instance or a Cloud API number.',
  usage: [
    'instance add TENANT_ID --provider evolution --instance NAME [--number MSISDN] [--apikey KEY]',
    '    [--url EVOLUTION_URL] [--webhook-secret SECRET | --generate-secret] [--wire-webhook] [--allow-shared]',
    'instance add TENANT_ID --provider cloud --phone-number-id PHONE_NUMBER_ID --app-secret APP_SECRET',
    '    --verify-token VERIFY_TOKEN --access-token ACCESS_TOKEN [--graph-url URL] [--number MSISDN] [--allow-shared]',
  ],
  args: { min: 1, max: 1, names: 'TENANT_ID' },
  arguments: [TENANT_ARG],
  options: {
    provider: {
      type: 'string',
      value: 'PROVIDER',
      help: 'evolution (Evolution API) or cloud (WhatsApp Cloud API); required.',
    },
    instance: {
      type: 'string',
      value: 'NAME',
      help: "Evolution: the instance's name exactly as Evolution calls it (its webhooks carry it); required.",
    },
    number: {
      type: 'string',
      value: 'MSISDN',
      help: "The instance's own WhatsApp number; webhooks from another number are refused as unroutable.",
    },
    apikey: {
      type: 'string',
      value: 'KEY',
      help: "Evolution: the instance's API key; webhooks must carry it, and replies are sent with it.",
    },
    url: {
      type: 'string',
      value: 'EVOLUTION_URL',
      help: "Evolution: the API's base URL, needed to send replies, check the webhook and backfill.",
    },
    'webhook-secret': {
      type: 'string',
      value: 'SECRET',
      help: 'Evolution: a secret webhooks must carry (?token=SECRET or Authorization: Bearer SECRET).',
    },
    'generate-secret': {
      type: 'boolean',
      help: 'Evolution: generate a random webhook secret and print the URL with it.',
    },
    'wire-webhook': {
      type: 'boolean',
      help: "Evolution: set the instance's webhook at Evolution to PUBLIC_URL/webhooks/evolution (needs --url and PUBLIC_URL).",
    },
    'allow-shared': ALLOW_SHARED,
    ...CLOUD_OPTIONS,
  },
  notes: [
    "Prints the webhook URL to give the provider and, with --url, whether Evolution's webhook points here.",
  ],
  examples: [
    'npx newton instance add celucambio_main --provider evolution --instance celucambio --number 573014165044 --apikey "$EVOLUTION_APIKEY" --url https://evolution.example.com',
    'npx newton instance add celucambio_main --provider cloud --phone-number-id 106540352242922 --app-secret "$META_APP_SECRET" --verify-token "$VERIFY_TOKEN" --access-token "$META_ACCESS_TOKEN"',
  ],
};

const LIST: CommandSpec = {
  name: 'instance list',
  summary: 'Lists instances (of one tenant, or all) without showing secrets, only whether each is set.',
  usage: ['instance list [TENANT_ID] [--json]'],
  args: { min: 0, max: 1, names: 'TENANT_ID' },
  arguments: [['TENANT_ID', 'Only this tenant (default every tenant).']],
  options: { json: JSON_OPTION },
  notes: [
    '--json prints an array of {"tenant_id", "provider", "name", "number", "base_url", "apikey_set", "webhook_secret_set", "app_secret_set", "verify_token_set"}.',
  ],
  examples: ['npx newton instance list celucambio_main', 'npx newton instance list --json'],
};

const UPDATE_STRINGS: Record<string, OptionSpec> = {
  number: { type: 'string', value: 'MSISDN', help: "The instance's own number." },
  apikey: { type: 'string', value: 'KEY', help: "Evolution: the instance's API key." },
  'webhook-secret': { type: 'string', value: 'SECRET', help: 'Evolution: the secret webhooks must carry.' },
  secret: { type: 'string', value: 'SECRET', help: 'The same as --webhook-secret.' },
  url: { type: 'string', value: 'EVOLUTION_URL', help: "Evolution: the API's base URL." },
  'access-token': { type: 'string', value: 'ACCESS_TOKEN', help: 'Cloud API: the access token.' },
  'app-secret': { type: 'string', value: 'APP_SECRET', help: "Cloud API: the Meta app's secret." },
  'verify-token': { type: 'string', value: 'VERIFY_TOKEN', help: 'Cloud API: the verify token.' },
  'graph-url': { type: 'string', value: 'URL', help: 'Cloud API: the Graph API base.' },
};

const UPDATE: CommandSpec = {
  name: 'instance update',
  summary: "Changes an instance's settings in place; every conversation and message stays.",
  usage: [
    'instance update TENANT_ID INSTANCE [--url EVOLUTION_URL] [--apikey KEY] [--webhook-secret SECRET] [--number MSISDN]',
    '    [--access-token ACCESS_TOKEN] [--app-secret APP_SECRET] [--verify-token VERIFY_TOKEN] [--graph-url URL] [--allow-shared]',
  ],
  args: { min: 2, max: 2, names: 'TENANT_ID INSTANCE' },
  arguments: [TENANT_ARG, INSTANCE_ARG],
  options: { ...UPDATE_STRINGS, provider: PROVIDER_PICK, 'allow-shared': ALLOW_SHARED },
  examples: ['npx newton instance update celucambio_main celucambio --url https://evolution2.example.com'],
};

const REMOVE: CommandSpec = {
  name: 'instance remove',
  summary: 'Removes an instance; refused while it holds conversations or messages unless --purge.',
  usage: [
    'instance remove TENANT_ID INSTANCE [--purge]',
    'instance remove --provider PROVIDER --instance NAME [--purge]',
  ],
  args: { min: 0, max: 2, names: 'TENANT_ID INSTANCE' },
  arguments: [TENANT_ARG, INSTANCE_ARG],
  options: {
    provider: PROVIDER_PICK,
    instance: {
      type: 'string',
      value: 'NAME',
      help: 'With --provider, instead of TENANT_ID INSTANCE: the instance name.',
    },
    'phone-number-id': {
      type: 'string',
      value: 'PHONE_NUMBER_ID',
      help: 'With --provider cloud, instead of TENANT_ID INSTANCE: the number.',
    },
    purge: { type: 'boolean', help: "Delete the instance's conversations and messages with it." },
  },
  examples: [
    'npx newton instance remove celucambio_main celucambio',
    'npx newton instance remove celucambio_main celucambio --purge',
  ],
};

const WEBHOOK: CommandSpec = {
  name: 'instance webhook',
  summary:
    "Checks Evolution's webhook settings for the instance against what Newton needs; --apply sets them.",
  usage: ['instance webhook TENANT_ID INSTANCE [--apply] [--provider PROVIDER]'],
  args: { min: 2, max: 2, names: 'TENANT_ID INSTANCE' },
  arguments: [TENANT_ARG, INSTANCE_ARG],
  options: {
    apply: {
      type: 'boolean',
      help: "Set the webhook (URL PUBLIC_URL/webhooks/evolution, the events, the auth header) through Evolution's API and print it read back.",
    },
    provider: PROVIDER_PICK,
  },
  notes: ["Needs PUBLIC_URL and the instance's --url; exit 1 while a problem remains."],
  examples: [
    'npx newton instance webhook celucambio_main celucambio',
    'npx newton instance webhook celucambio_main celucambio --apply',
  ],
};

export const INSTANCE: GroupSpec = {
  name: 'instance',
  summary:
    "Adds, lists, changes and removes a tenant's WhatsApp numbers (Evolution instances, Cloud API numbers).",
  subcommands: [ADD, LIST, UPDATE, REMOVE, WEBHOOK],
};

/** The spec of `instance SUB`, for its parser. */
export function subcommand(name: `instance ${string}`): CommandSpec {
  const found = INSTANCE.subcommands.find((c) => c.name === name);
  if (!found) throw new Error(`no help table for ${name}`);
  return found;
}
