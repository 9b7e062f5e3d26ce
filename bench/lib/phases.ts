/**
 * The per-phase latency histograms of Newton nodes (`GET /metrics`:
 * webhook→stored, stored→published, published→sent), read before and after
 * a measured phase so that only that phase counts. Percentiles come from the
 * histogram buckets, so they are bucket upper bounds ("≤ 25 ms"), not exact.
 */

const PHASES = {
  webhookToStored: 'newton_webhook_to_stored_seconds',
  storedToPublished: 'newton_stored_to_published_seconds',
  publishedToSent: 'newton_published_to_sent_seconds',
} as const;

export type PhaseName = keyof typeof PHASES;

/** Cumulative bucket counts per phase, summed over nodes: upper bound (s) → count. */
export type PhaseSnapshot = Record<PhaseName, Map<number, number>>;

export interface PhaseSummary {
  count: number;
  /** Bucket upper bounds in ms (Infinity past the last bucket). */
  p50: number;
  p90: number;
  p99: number;
  meanMs: number;
}

const LINE = /^(newton_\w+)_(bucket|sum|count)\{([^}]*)\}\s+([\d.e+-]+|\+Inf|NaN)$/;

/** Reads the phase histograms of every node in `urls` and sums them. */
export async function phaseSnapshot(
  urls: string[],
): Promise<PhaseSnapshot & { sums: Record<PhaseName, number> }> {
  const snap = {
    webhookToStored: new Map(),
    storedToPublished: new Map(),
    publishedToSent: new Map(),
    sums: { webhookToStored: 0, storedToPublished: 0, publishedToSent: 0 },
  } as PhaseSnapshot & { sums: Record<PhaseName, number> };
  const byMetric = new Map<string, PhaseName>(Object.entries(PHASES).map(([k, v]) => [v, k as PhaseName]));
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const m = LINE.exec(line);
      if (!m) continue;
      const phase = byMetric.get(m[1] as string);
      if (!phase) continue;
      if (m[2] === 'sum') snap.sums[phase] += Number(m[4]);
      if (m[2] !== 'bucket') continue;
      const le = /le="([^"]+)"/.exec(m[3] as string)?.[1];
      if (!le) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      const b = snap[phase];
      b.set(bound, (b.get(bound) ?? 0) + Number(m[4]));
    }
  }
  return snap;
}

/** Per phase, the observations between two snapshots as bucket percentiles. */
export function phaseDelta(
  before: Awaited<ReturnType<typeof phaseSnapshot>>,
  after: Awaited<ReturnType<typeof phaseSnapshot>>,
): Record<PhaseName, PhaseSummary> {
  const out = {} as Record<PhaseName, PhaseSummary>;
  for (const phase of Object.keys(PHASES) as PhaseName[]) {
    const bounds = [...after[phase].keys()].sort((a, b) => a - b);
    const cum = bounds.map((b) => (after[phase].get(b) ?? 0) - (before[phase].get(b) ?? 0));
    const count = cum[cum.length - 1] ?? 0;
    const at = (q: number) => {
      const i = cum.findIndex((c) => c >= q * count);
      return i < 0 ? Number.NaN : (bounds[i] as number) * 1000;
    };
    const sum = after.sums[phase] - before.sums[phase];
    out[phase] = {
      count,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      meanMs: count ? Math.round((sum / count) * 1e5) / 100 : Number.NaN,
    };
  }
  return out;
}

/** "webhook→stored p50 ≤ 5 / p99 ≤ 25 ms (mean 3.1), …" for logs and notes. */
export function describePhases(p: Record<PhaseName, PhaseSummary>): string {
  const names: Record<PhaseName, string> = {
    webhookToStored: 'webhook→answered',
    storedToPublished: 'stored→published',
    publishedToSent: 'published→sent',
  };
  return (Object.keys(names) as PhaseName[])
    .map(
      (k) => `${names[k]} p50 ≤ ${p[k].p50} / p90 ≤ ${p[k].p90} / p99 ≤ ${p[k].p99} ms (mean ${p[k].meanMs})`,
    )
    .join('; ');
}
