/** The (f) section of docs/benchmarks.md: backfill under live webhooks. */
import type { ScenarioResult } from './lib/scenario.js';
import { fmt } from './lib/stats.js';
import { ms, s2, table } from './report-format.js';
import type { BackfillData } from './scenario-backfill.js';

export function backfillSection(r: ScenarioResult): string {
  const d = r.data as unknown as BackfillData;
  const live = (x: BackfillData['liveBefore']) =>
    `${ms(x.p50)} / ${ms(x.p99)} / ${ms(x.max)} (${fmt(x.count)} webhooks)`;
  return `## (f) Backfill under live webhooks

\`bench/scenario-backfill.ts\`: the provider simulator (Evolution's \`findMessages\`)
holds ${fmt(d.held)} messages of one tenant (500 customers, over the last hour) whose
webhooks never came; \`POST /api/admin/backfill\` recovers them (pages of 100, the
default \`BACKFILL_RATE\` of 5,000/s) while live webhooks flow at ${d.rate}/s over 100
other tenants (one socket each); ${d.recoveredSockets} sockets of the backfilled
tenant receive the recovered messages. Embedded node (SQLite).

${table(
  ['figure', 'value'],
  [
    ['messages recovered / already there', `${fmt(d.recovered)} / ${fmt(d.alreadyHad)}`],
    ['backfill run (pages)', `${fmt(d.runMs)} ms (${d.pages} pages)`],
    ['backfill throughput', `**${fmt(d.throughput)} msgs/s**`],
    ['live webhook → socket p50 / p99 / max, before the backfill', live(d.liveBefore)],
    ['live webhook → socket p50 / p99 / max, during the backfill', live(d.liveDuring)],
    ['live webhooks accepted / sent', `${fmt(d.webhooksAccepted)} / ${fmt(d.webhooksSent)}`],
    [
      "frames on the backfilled tenant's sockets (repeats / gaps)",
      `${fmt(d.recoveredDeliveries)} (${d.recoveredDupes} / ${d.recoveredGaps})`,
    ],
    ['server CPU over the measured phase', s2(d.serverCpuSeconds)],
  ],
)}`;
}
