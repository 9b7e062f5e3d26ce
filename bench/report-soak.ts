/** The soak scenario's section of docs/benchmarks.md (bench/scenario-soak.ts, scenario j). */
import type { ScenarioResult } from './lib/scenario.js';
import type { NodeSample } from './lib/soak-sampler.js';
import { fmt } from './lib/stats.js';
import { ms, s2, table } from './report-format.js';
import type { SoakModeResult } from './soak-result.js';
import { SOAK_SLOPE_LIMIT, slopesText, verdictWord } from './soak-verdict.js';

/** One cell with a value per server process ("a / b" for two nodes). */
function per(nodes: NodeSample[], f: (n: NodeSample) => string): string {
  return nodes.map(f).join(' / ');
}

function samplesTable(r: SoakModeResult): string {
  return table(
    [
      'minute',
      'sockets open',
      'RSS (anonymous)',
      'heap used (low-water)',
      'loop delay p99 (max)',
      'loop busy',
      'server CPU (cores)',
      'webhooks accepted',
      'deliveries',
      'webhook → socket p50 / p99',
      'load generators CPU',
    ],
    r.samples.map((s) => [
      fmt(s.atMinutes, 1),
      per(s.nodes, (n) => fmt(n.sockets)),
      `${per(s.nodes, (n) => `${fmt(n.rssMiB, 1)} (${fmt(n.rssAnonMiB, 1)})`)} MiB`,
      `${per(s.nodes, (n) => `${fmt(n.heapUsedMiB, 1)} (${fmt(n.heapLowMiB, 1)})`)} MiB`,
      `${per(s.nodes, (n) => `${fmt(n.loopDelayP99Ms, 1)} (${fmt(n.loopDelayMaxMs, 1)})`)} ms`,
      per(s.nodes, (n) => `${fmt(n.loopUtilization * 100, 0)} %`),
      per(s.nodes, (n) => `${fmt(n.cpuSeconds, 1)} s (${fmt(n.cpuSeconds / s.seconds, 2)})`),
      fmt(s.nodes.reduce((a, n) => a + n.webhooksAccepted, 0)),
      fmt(s.deliveries),
      `${ms(s.latency.p50)} / ${ms(s.latency.p99)}`,
      `${fmt(s.clientCpuSeconds, 1)} s`,
    ]),
  );
}

function verdict(r: SoakModeResult): string {
  const word = verdictWord(r);
  const bold = word === 'flat' || word === 'growing' ? `**${word}**` : word;
  return `${r.label}: ${bold} — ${slopesText(r)} (minutes ${fmt(r.secondHalf[0], 1)}–${fmt(r.secondHalf[1], 1)}).`;
}

export function soakSection(r: ScenarioResult): string {
  // Both modes, or the one `--soak-modes` chose.
  const ran = [r.data.embedded, r.data.cluster].filter((x): x is SoakModeResult => x !== undefined);
  const e = ran[0] as SoakModeResult;
  const row = (label: string, f: (x: SoakModeResult) => string): string[] => [label, ...ran.map(f)];
  const where =
    ran.length === 2
      ? 'embedded and on two\nnodes'
      : `here only ${e.label} (\`--soak-modes\`; the scenario runs embedded and on two\nnodes)`;
  const every = e.sampleSeconds === 60 ? 'minute' : `${e.sampleSeconds} s`;
  return `## (j) Soak: ${e.rate} webhooks/s, ${fmt(e.sockets)} sockets for ${fmt(e.minutes)} minutes

\`bench/scenario-soak.ts\`: ${fmt(e.sockets)} sockets of ${e.tenants} tenants (${e.sockets / e.tenants} each, in 2 client
processes) stay connected while one sender posts webhooks **open-loop** at ${e.rate}/s for
${fmt(e.minutes)} minutes (a few seconds of warm-up first, not counted), ${where} (PostgreSQL + Redis; each tenant's sockets split over both nodes, webhooks alternating
between them). Every ${every}, per server process: RSS and its anonymous part (\`VmRSS\`,
\`RssAnon\` in \`/proc/<pid>/status\`: the rest is mapped files), CPU in the
interval (\`/proc/<pid>/stat\`) and open sockets (\`newton_sockets\` on its \`/metrics\`); V8 heap,
event-loop delay and utilisation come from \`bench/lib/soak-probe.mjs\`, preloaded into the
server (\`--import\`; Newton's \`/metrics\` has no process metrics) and read over the interval
only: heap used at the sample, and its low-water mark (least heap used seen by a 1 s timer
or right after a major GC — the live heap, without the garbage of the moment); loop delay
is \`monitorEventLoopDelay\` beyond its 10 ms timer. Webhook → socket latency is per
delivery, of those that arrived in the interval (the last one also takes in the
deliveries of the last webhooks sent). Two nodes: "a / b" is node 1 / node 2. A delivery is
expected for every webhook a node accepted (its own \`newton_webhooks_total\`) at every socket
of the tenant; "missing" is what had not arrived 10 s after the last answer.

The verdict: the least-squares slope of RSS and of the heap's low-water mark over the
second half of the samples (the first half lets caches, pools and the JIT settle), against
**${SOAK_SLOPE_LIMIT} MiB/min**: at ${e.rate} webhooks/s that is ~44 bytes kept per webhook
(or one byte per 2 deliveries), less than any object a message or a frame leaves behind,
while over 15 one-minute samples a few MiB of noise move the slope by ~0.1–0.2 MiB/min.
A second half shorter than 5 minutes (\`--quick\`) or whose webhook → socket p50 passed 1 s
(overloaded: the backlog itself holds memory) is reported but not judged.

${ran.map((x) => `- ${verdict(x)}`).join('\n')}

${ran.map((x) => `${x.label}:\n\n${samplesTable(x)}`).join('\n\n')}

${table(
  ['whole soak', ...ran.map((x) => x.label)],
  [
    row(
      'webhooks sent / answered accepted / accepted by the nodes',
      (x) => `${fmt(x.webhooksSent)} / ${fmt(x.webhooksAccepted)} / ${fmt(x.webhooksAcceptedByNodes)}`,
    ),
    row('deliveries received / expected', (x) => `${fmt(x.deliveries)} / ${fmt(x.expectedDeliveries)}`),
    row('deliveries missing 10 s after the last answer', (x) => fmt(x.missing)),
    row('seq gaps / repeats / resync_required', (x) => `${x.gaps} / ${x.dupes} / ${x.resyncs}`),
    row('sockets closed by the server', (x) => fmt(x.unexpectedCloses)),
    row('HTTP answer p50 / p99', (x) => `${ms(x.http.p50)} / ${ms(x.http.p99)}`),
    row('sender behind schedule, p99', (x) => ms(x.senderLagP99)),
    row('server CPU (all nodes)', (x) => s2(x.serverCpuSeconds)),
    row('load generators CPU (sender + 2 receivers)', (x) => s2(x.clientCpuSeconds)),
    row('PostgreSQL + Redis CPU', (x) => s2(x.dbCpuSeconds)),
  ],
)}`;
}
