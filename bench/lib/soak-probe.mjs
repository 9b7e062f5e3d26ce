// Preloaded into Newton servers in the soak scenario (node --import …; the
// server code is unchanged): Newton's /metrics has no process metrics (no
// prom-client default metrics), so this reads them inside the process. On
// SIGUSR2 it appends one JSON line to $BENCH_PROBE_FILE with what happened
// since the previous line: V8 heap (now, and its low-water mark: the least
// heap used seen by a 1 s timer or right after a major GC), event-loop delay
// (monitorEventLoopDelay, 10 ms timer like prom-client's; values are the
// timer's interval, so 10 ms means no delay), event-loop utilisation, and
// GC pauses; then it starts the next interval afresh.
import { appendFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const RESOLUTION_MS = 10;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let heapLow = Number.POSITIVE_INFINITY;
  let heapHigh = 0;
  let gcPauseMs = 0;
  let majorGcs = 0;
  let seq = 0;
  const heapUsed = () => getHeapStatistics().used_heap_size;
  const note = (used) => {
    if (used < heapLow) heapLow = used;
    if (used > heapHigh) heapHigh = used;
  };
  setInterval(() => note(heapUsed()), 1000).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcPauseMs += e.duration;
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        majorGcs++;
        note(heapUsed());
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  process.on('SIGUSR2', () => {
    const m = process.memoryUsage();
    note(m.heapUsed);
    const now = performance.eventLoopUtilization();
    const line = {
      seq: ++seq,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      heapLow,
      heapHigh,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      rss: m.rss,
      loopDelayP50Ms: ms(delay.percentile(50)),
      loopDelayP99Ms: ms(delay.percentile(99)),
      loopDelayMaxMs: ms(delay.max),
      loopUtilization: performance.eventLoopUtilization(now, elu).utilization,
      gcPauseMs,
      majorGcs,
    };
    elu = now;
    delay.reset();
    heapLow = Number.POSITIVE_INFINITY;
    heapHigh = 0;
    gcPauseMs = 0;
    majorGcs = 0;
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}
