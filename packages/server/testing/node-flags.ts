/**
 * The node flags Newton's server runs with wherever this repository starts
 * it: `npm start`, deploy/Dockerfile, deploy/newton@.service, the benchmark
 * (for every Node server it starts, Newton and yardsticks alike) and tests
 * that run `newton start` as its own process. `scale/deploy-recipe.test.ts`
 * checks that they agree.
 *
 * `--v8-pool-size=2`: V8 runs garbage collection (parallel scavenges,
 * concurrent marking and sweeping) and optimising compiles on a pool of
 * background threads, 4 by default whatever the host. On a 2-core host those
 * 4 outnumber the cores, and while they run the event loop's own thread
 * waits for a core, often in the middle of a collection it has to finish:
 * (f)'s live webhooks saw scavenges of 19 ms with the loop preempted for 15
 * of them. With 2, the live p99 during a backfill was 12.97–19.34 ms in 7 of
 * 7 runs (17.74–24.68 ms, 2 of 7 under 20 ms, with 4), and the two-node p99
 * of (a) 15.36 / 20.49 ms against 30.83 / 23.76 ms (docs/benchmarks.md,
 * issues #12 and #16).
 */
export const NODE_FLAGS: readonly string[] = ['--v8-pool-size=2'];
