/**
 * The sections of docs/benchmarks.md, one per scenario (by scenario id), each
 * rendered from that scenario's result (bench/report.ts puts them together).
 */
import type { PhaseName } from './lib/phases.js';
import type { ScenarioResult } from './lib/scenario.js';
import { fmt } from './lib/stats.js';
import { backfillSection } from './report-backfill.js';
import { ms, s2, table } from './report-format.js';
import { soakSection } from './report-soak.js';

import { closedLoopSection } from './scenario-closed-loop.js';
import { coldStartSection } from './scenario-coldstart.js';
import type { FanoutPhase, FanoutServerResult } from './scenario-fanout.js';
import type { LatencyCaseResult } from './scenario-latency.js';
import type { MemoryResult } from './scenario-memory.js';
import { searchSection } from './scenario-search.js';
import type { SeqData } from './scenario-seq.js';
import type { StormData } from './scenario-storm.js';
import type { RampResult } from './scenario-throughput.js';

function seqSection(r: ScenarioResult): string {
  const d = r.data as unknown as SeqData;
  const date = r.startedAt.slice(0, 10);
  return `## Webhook → socket latency, embedded, sequential (issue #2)

\`npm run bench -- --scenario seq --messages ${d.messages} --sockets ${d.sockets}\` (\`bench/latency.ts\`):
the server runs as its own process (\`newton start\`, SQLite in a temp
\`DATA_DIR\`, in-process bus, \`LOG_LEVEL=warn\`); the load generator holds
${d.sockets} sockets of one tenant and posts ${fmt(d.messages)} Evolution \`messages.upsert\`
webhooks one after another. Latency is measured per delivery, from sending
the webhook to the \`new_message\` frame arriving at a socket
(${fmt(d.deliveries)} deliveries).

${table(
  ['figure', `${date} run`, '2026-11-28, issue #2'],
  [
    ['p50 per delivery', ms(d.p50_ms), '3.24 ms'],
    ['p99 per delivery', ms(d.p99_ms), '13.01 ms'],
    ['max', ms(d.max_ms), '69.98 ms'],
    [`p50 until the last of the ${d.sockets} sockets has it`, ms(d.last_socket_p50_ms), '3.99 ms'],
    ['p99 until the last socket has it', ms(d.last_socket_p99_ms), '16.49 ms'],
    [`wall time for ${fmt(d.messages)} messages`, s2(d.wall_s), '5.38 s'],
    [
      'server CPU',
      `${s2(d.server_cpu_s)} (${fmt((d.server_cpu_s * 1000) / d.messages, 2)} ms per message)`,
      '3.50 s (3.5 ms per message)',
    ],
  ],
)}

Each message is one durable SQLite commit (WAL, \`synchronous=FULL\`) before
the webhook is answered; the socket writes happen right after the commit,
before the HTTP answer is written.`;
}

function latencySection(r: ScenarioResult): string {
  const e = r.data.embedded as LatencyCaseResult;
  const k = r.data.cluster as LatencyCaseResult;
  const ratios = r.data.ratios as
    | { embeddedVsFloor: number; clusterVsFloor: number; clusterVsEmbedded: number }
    | undefined;
  const row = (label: string, f: (x: LatencyCaseResult) => string): string[] => [label, f(e), f(k)];
  const floorRows = e.floor
    ? [
        row('ingest floor at the same rate: HTTP p50 / p99', (x) =>
          x.floor ? `${ms(x.floor.http.p50)} / ${ms(x.floor.http.p99)}` : '—',
        ),
        row('ingest floor: CPU per webhook', (x) =>
          x.floor ? `${fmt(x.floor.cpuMsPerWebhook, 3)} ms` : '—',
        ),
      ]
    : [];
  const lead = ratios
    ? `Ratios (same run): webhook → socket p99 over the ingest floor's HTTP p99 at the same rate —
embedded **${ratios.embeddedVsFloor}×**, two nodes **${ratios.clusterVsFloor}×**; two nodes over embedded
**${ratios.clusterVsEmbedded}×** (target ≤ 3×, issue #16). The floor (\`bench/competitors/floor-server.ts\`)
is a bare Fastify route doing one durable INSERT per webhook on the case's database (SQLite, or
PostgreSQL for the two-node case); it has no sockets, so its HTTP answer is the least a webhook
can cost there.

`
    : '';
  return `## (a) Webhook → socket latency under load

${lead}
\`bench/scenario-latency.ts\`: ${fmt(e.sockets)} sockets over ${e.tenants} tenants (${e.sockets / e.tenants} per
tenant, in 2 client processes); one sender process posts webhooks
**open-loop** at ${e.rate}/s for ${e.seconds} s (each is sent when it is due,
whether or not earlier ones were answered; 16 keep-alive connections per
node) over the 100 tenants, 10 customer numbers each. A webhook's text
carries the moment it was sent (CLOCK_MONOTONIC, shared by all processes);
latency is per delivery, until the \`new_message\` frame arrives at a socket.
Two nodes: PostgreSQL + Redis, consecutive webhooks alternate between the
nodes and each tenant's sockets are split over both, so half of the
deliveries cross Redis. A few seconds of the same load warm the servers up
first (not counted).

${table(
  ['figure', e.label, k.label],
  [
    row('p50 per delivery', (x) => ms(x.latency.p50)),
    row('p90', (x) => ms(x.latency.p90)),
    row('p99', (x) => ms(x.latency.p99)),
    row('max', (x) => ms(x.latency.max)),
    row('deliveries received / expected', (x) => `${fmt(x.deliveries)} / ${fmt(x.expectedDeliveries)}`),
    row('seq gaps / repeats seen by sockets', (x) => `${x.gaps} / ${x.dupes}`),
    row('webhooks sent / accepted', (x) => `${fmt(x.webhooksSent)} / ${fmt(x.webhooksAccepted)}`),
    row('webhooks answered per second', (x) => fmt(x.achievedRate, 1)),
    row('HTTP answer p50 / p99', (x) => `${ms(x.http.p50)} / ${ms(x.http.p99)}`),
    row('sender behind schedule, p99', (x) => ms(x.senderLagP99)),
    row(
      'server CPU (all nodes)',
      (x) => `${s2(x.serverCpuSeconds)} (${fmt(x.serverCpuPerWebhookMs, 2)} ms per webhook)`,
    ),
    row('measured wall time', (x) => s2(x.measuredWallSeconds)),
    row('load generators CPU (sender + 2 receivers)', (x) => s2(x.clientCpuSeconds)),
    row('PostgreSQL + Redis CPU', (x) => s2(x.dbCpuSeconds)),
    row("nodes' /metrics: webhook → answered p50 / p99 (bucket bounds)", (x) => phase(x, 'webhookToStored')),
    row("nodes' /metrics: stored → published p50 / p99", (x) => phase(x, 'storedToPublished')),
    row("nodes' /metrics: published → sent p50 / p99", (x) => phase(x, 'publishedToSent')),
    ...floorRows,
  ],
)}`;
}

/** "≤ 2.5 / ≤ 10 ms" from a case's per-phase histograms, when it has them. */
function phase(x: LatencyCaseResult, name: PhaseName): string {
  const p = x.phases?.[name];
  return p ? `≤ ${p.p50} / ≤ ${p.p99} ms` : '—';
}

function fanoutSection(r: ScenarioResult): string {
  const d = r.data as {
    newton: FanoutServerResult;
    ws: FanoutServerResult;
    sio: FanoutServerResult;
    /** uWebSockets.js, when it installed (issue #16). */
    uws?: FanoutServerResult;
    ratios: Record<string, number>;
  };
  const p = r.params as { sockets: number; singleEvents: number; bursts: number; payloadBytes: number };
  const rows = (f: (x: FanoutServerResult) => FanoutPhase) =>
    [d.newton, d.ws, d.sio, ...(d.uws ? [d.uws] : [])].map((x) => {
      const ph = f(x);
      return [
        x.server,
        fmt(ph.deliveriesPerCpuSecond),
        fmt(ph.deliveriesPerSecond),
        `${fmt(ph.events)} × ${fmt(x.sockets)} = ${fmt(ph.deliveries)}`,
        s2(ph.serverCpuSeconds),
        s2(ph.wallSeconds),
        s2(ph.clientCpuSeconds),
      ];
    });
  const head = [
    'server',
    'deliveries per server CPU-s',
    'deliveries per s (wall)',
    'deliveries',
    'server CPU',
    'wall',
    'client processes CPU',
  ];
  return `## (b) Fan-out to one tenant: Newton, plain \`ws\`, Socket.IO

\`bench/scenario-fanout.ts\`: ${fmt(p.sockets)} sockets of one tenant in 4 client processes, the
servers one after another in the same run, each with the same sockets
and events. Payloads are ${p.payloadBytes} bytes (Newton's \`new_message\` frame; the
competitors send a JSON object padded to the same size). Newton's events
come from webhooks (so its CPU includes parsing, routing and the durable
SQLite commit of each message); the \`ws\` server serialises each event once
and loops \`for (c of clients) c.send(json)\`; Socket.IO (WebSocket transport
only) does \`io.to(room).emit(…)\`; uWebSockets.js (C++ sockets, \`uws-pack\` from the npm
registry, installed by the bench on first use) publishes to a topic every socket subscribed
to — the native ceiling; the competitors are triggered by a bare
HTTP request. Server CPU is utime + stime of the server process
(\`/proc/<pid>/stat\`) over the phase.

One at a time (${fmt(p.singleEvents)} events; each is sent when every socket has the previous one):

${table(
  head,
  rows((x) => x.single),
)}

Bursts (${fmt(p.bursts)} bursts of 10 events for the same sockets: Newton 10 webhooks
posted concurrently, the others 10 broadcasts in one tick):

${table(
  head,
  rows((x) => x.burst),
)}

${table(
  ['ratio of deliveries per server CPU-s', 'one at a time', 'bursts of 10'],
  [
    ['Newton / ws', `${d.ratios.singleVsWs}×`, `${d.ratios.burstVsWs}×`],
    ['Newton / Socket.IO', `${d.ratios.singleVsSocketIo}×`, `${d.ratios.burstVsSocketIo}×`],
    ...(d.uws
      ? [['Newton / uWebSockets.js (native ceiling)', `${d.ratios.singleVsUws}×`, `${d.ratios.burstVsUws}×`]]
      : []),
  ],
)}

Newton's sockets saw ${d.newton.gaps} seq gaps and ${d.newton.dupes} repeats.`;
}

function memorySection(r: ScenarioResult): string {
  const d = r.data as { newton: MemoryResult; ws: MemoryResult; sio: MemoryResult };
  return `## (c) Memory per idle socket

\`bench/scenario-memory.ts\`: the server's RSS (\`VmRSS\`, median of 5 samples
after the server settled) before and after opening ${fmt(d.newton.sockets)} sockets from 4 client
processes, divided by the number of sockets. Newton's sockets are
authenticated (a JWT each, \`connection_established\` received) and spread
over 100 tenants. 200 sockets are opened and closed before the baseline, so
that code loaded on first use is not charged to the sockets. Each reading is
taken as found and again right after a full garbage collection (the servers
run with \`--expose-gc\` and a SIGUSR2 handler preloaded from
\`bench/lib/gc-on-signal.mjs\`; the server code is unchanged): the figure
after GC leaves out whatever garbage happens to be on the heap, and is the
one compared with the target.

${table(
  [
    'server',
    'sockets',
    'RSS before → after',
    'per socket',
    'after GC: before → after',
    'per socket after GC',
    'time to connect',
    'server CPU per 1,000 connects',
  ],
  [d.newton, d.ws, d.sio].map((x) => [
    x.server,
    fmt(x.sockets),
    `${fmt(x.rssBeforeMiB, 1)} → ${fmt(x.rssAfterMiB, 1)} MiB`,
    `${fmt(x.kibPerSocket, 2)} KiB`,
    `${fmt(x.gcRssBeforeMiB, 1)} → ${fmt(x.gcRssAfterMiB, 1)} MiB`,
    `**${fmt(x.gcKibPerSocket, 2)} KiB**`,
    s2(x.connectSeconds),
    `${fmt(x.serverCpuMsPer1000, 0)} ms`,
  ]),
)}`;
}

function throughputSection(r: ScenarioResult): string {
  const d = r.data as {
    embedded: RampResult;
    postgres: RampResult;
    /** The ingest floor's ramps and Newton's ratios to them (issue #16), in runs that have them. */
    floorSqlite?: RampResult;
    floorPostgres?: RampResult;
    ratios?: { embeddedVsFloor: number; postgresVsFloor: number; postgresVsEmbedded: number };
  };
  const p = r.params as { stepSeconds: number; senderProcesses: number; connectionsPerSender: number };
  const ramp = (x: RampResult) =>
    table(
      [
        'offered /s',
        'answered /s',
        'HTTP p50',
        'HTTP p99',
        'max',
        'p99 from send',
        'sender lag p99',
        'server CPU (cores)',
        'PostgreSQL CPU (cores)',
        'p99 ≤ 50 ms',
      ],
      x.steps.map((s) => [
        `${fmt(s.offered)}${s.refinement ? ' (bisect)' : ''}`,
        fmt(s.achieved),
        ms(s.http.p50),
        ms(s.http.p99),
        ms(s.http.max),
        ms(s.service.p99),
        ms(s.senderLagP99),
        fmt(s.serverCpuLoad, 2),
        fmt(s.dbCpuLoad, 2),
        s.passed ? 'yes' : `**no**${s.failed ? ` (${fmt(s.failed)} not accepted)` : ''}`,
      ]),
    );
  const floors =
    d.floorSqlite && d.floorPostgres && d.ratios
      ? `

The ingest floor (\`bench/competitors/floor-server.ts\`: bare Fastify, one durable INSERT per
webhook) under the same ramp, same run — the yardstick of the rates above (they are host-dependent;
the ratios are what carries over): Newton embedded sustained **${d.ratios.embeddedVsFloor}×** the
SQLite floor's rate, Newton on PostgreSQL **${d.ratios.postgresVsFloor}×** the PostgreSQL floor's,
and PostgreSQL **${d.ratios.postgresVsEmbedded}×** embedded.

Floor, SQLite: highest rate with p99 ≤ 50 ms **${fmt(d.floorSqlite.best)}/s**.

${ramp(d.floorSqlite)}

Floor, PostgreSQL: highest rate with p99 ≤ 50 ms **${fmt(d.floorPostgres.best)}/s**.

${ramp(d.floorPostgres)}`
      : '';
  return `## (d) Sustained webhooks/s with HTTP p99 ≤ 50 ms

\`bench/scenario-throughput.ts\`: one node, no sockets; ${p.senderProcesses} sender processes
(${p.connectionsPerSender} keep-alive connections each) offer webhooks **open-loop** over 100
tenants at a rising rate, ${p.stepSeconds} s per step; after the first step whose p99 is
over 50 ms, two more steps bisect between it and the last rate that passed
(marked "bisect"; rounded to 50/s). Latency counts from the moment a webhook was due, so
waiting for a free connection in the sender counts too ("p99 from send"
leaves that out).

Embedded (SQLite): highest rate with p99 ≤ 50 ms **${fmt(d.embedded.best)}/s**.

${ramp(d.embedded)}

PostgreSQL, one node: highest rate with p99 ≤ 50 ms **${fmt(d.postgres.best)}/s**.

${ramp(d.postgres)}${floors}`;
}

function stormSection(r: ScenarioResult): string {
  const d = r.data as unknown as StormData;
  return `## (e) Reconnect storm

\`bench/scenario-storm.ts\`: ${fmt(d.sockets)} sockets of one tenant (embedded node, 4 client
processes) are connected and caught up, then all closed; ${d.missedEvents} messages are
posted; then every socket reopens at the same instant (shared monotonic
clock) with \`since=<its last seq>\`. Measured until each socket has received
the ${d.missedEvents} missed events and \`resumed\` (a failed connect retries after
100–300 ms).

${table(
  ['figure', 'value'],
  [
    ['every socket resumed', ms(d.allResumedMs)],
    [
      'per socket p50 / p90 / p99',
      `${ms(d.perSocket.p50)} / ${ms(d.perSocket.p90)} / ${ms(d.perSocket.p99)}`,
    ],
    ['frames replayed', fmt(d.framesReplayed)],
    ['sockets incomplete after 60 s', fmt(d.incomplete)],
    ['connects retried', fmt(d.retries)],
    [
      'accept-queue overflows / SYNs dropped (kernel counters)',
      `${fmt(d.listenOverflows)} / ${fmt(d.listenDrops)}`,
    ],
    [
      'seq gaps / repeats / resync_required / error frames',
      `${d.gaps} / ${d.dupes} / ${d.resyncs} / ${d.errors}`,
    ],
    ['client processes issuing every connect', ms(d.clientOpenLoopMs)],
    ['server CPU during the storm', s2(d.serverCpuSeconds)],
    ['client processes CPU during the storm (same 2 cores)', s2(d.clientCpuSeconds)],
  ],
)}`;
}

/** Each scenario's section, by scenario id. */
export const SECTIONS: Record<string, (r: ScenarioResult) => string> = {
  seq: seqSection,
  a: latencySection,
  b: fanoutSection,
  c: memorySection,
  d: throughputSection,
  e: stormSection,
  f: backfillSection,
  g: coldStartSection,
  h: closedLoopSection,
  i: searchSection,
  j: soakSection,
};
