/** One line (or a few) of usage per command; kept apart so `--help` loads no command. */
export const USAGES = {
  start: 'newton start                 start a node (config from the environment)',
  tenant: ['newton tenant add <tenant_id> [--name <name>]', 'newton tenant list'].join('\n'),
  instance: [
    'newton instance add <tenant_id> --provider evolution --instance <name> [--number <msisdn>]',
    '                    [--apikey <key>] [--url <evolution base url>] [--webhook-secret <s> | --generate-secret]',
    '                    [--wire-webhook] [--allow-shared]',
    'newton instance add <tenant_id> --provider cloud --phone-number-id <id> --app-secret <s>',
    '                    --verify-token <t> --access-token <token> [--graph-url https://graph.facebook.com/v21.0]',
    '                    [--number <msisdn>] [--allow-shared]',
    'newton instance list [<tenant_id>]',
    'newton instance update <tenant_id> <instance> [--url <u>] [--apikey <k>] [--webhook-secret <s>] [--number <n>]',
    '                    [--access-token <t>] [--app-secret <s>] [--verify-token <t>] [--graph-url <u>] [--allow-shared]',
    'newton instance remove <tenant_id> <instance> [--purge]',
    'newton instance webhook <tenant_id> <instance> [--apply]   Evolution webhook: check, or set (needs PUBLIC_URL)',
  ].join('\n'),
  token: 'newton token <tenant_id> [--user <id>] [--role agent|admin] [--ttl 12h]',
  simulate:
    'newton simulate <tenant_id> --from <phone> --text <text> [--name <pushName>] [--instance <name or phone_number_id>] [--url <server>]',
  doctor:
    'newton doctor <tenant_id> [--url <server>] [--token <admin JWT>] [--instance <name>] [--timeout 5000] [--no-probe] [--json]',
  trace: 'newton trace <message id | provider message id | trace id> [--log <file>]... [--json]',
  backfill:
    'newton backfill <tenant_id> [--instance <name>] [--since 2h | 2026-05-01T08:00:00Z] [--url <server>] [--token <admin JWT>] [--json]',
  receipts:
    'newton receipts [--tenant <id>] [--instance <name>] [--outcome accepted|duplicate|ignored|unroutable|rejected|backfilled|account] [--limit 20] [--json]',
} as const;

export type CommandName = keyof typeof USAGES;
