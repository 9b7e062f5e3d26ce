import type { ReceiptOutcome } from '../../core/index.js';
import { parse, str, UsageError } from '../args.js';
import type { CliContext } from '../context.js';

const OUTCOMES: ReceiptOutcome[] = [
  'accepted',
  'duplicate',
  'ignored',
  'unroutable',
  'rejected',
  'backfilled',
  'account',
];

/**
 * Lists webhook receipts, newest first: what arrived, where it went and why.
 * The operator's view of unroutable and rejected webhooks (docs/api.md §1.7).
 */
export async function receipts(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    argv,
    {
      tenant: { type: 'string' },
      instance: { type: 'string' },
      outcome: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    { min: 0, max: 0, names: '' },
  );
  const outcome = str(values, 'outcome');
  if (outcome !== undefined && !OUTCOMES.includes(outcome as ReceiptOutcome)) {
    throw new UsageError(`--outcome must be one of ${OUTCOMES.join(', ')}`);
  }
  const limit = Number(str(values, 'limit') ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be 1 to 1000');
  const store = await ctx.openStore();
  const tenantId = str(values, 'tenant');
  const instanceName = str(values, 'instance');
  const rows = await store.receipts.list({
    limit,
    ...(tenantId ? { tenantId } : {}),
    ...(instanceName ? { instanceName } : {}),
    ...(outcome ? { outcome } : {}),
  });
  for (const r of rows) {
    if (values.json) {
      ctx.out(JSON.stringify(r));
      continue;
    }
    ctx.out(
      [
        new Date(r.receivedAt).toISOString(),
        r.outcome,
        r.event ?? '-',
        r.instanceName ?? '-',
        r.tenantId ?? '-',
        r.reason ?? '',
        `trace=${r.traceId}`,
      ].join('\t'),
    );
  }
  return 0;
}
