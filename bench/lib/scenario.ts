/** What every scenario gets and returns. */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SocketKind } from './client-sockets.js';
import { summarizeProfiles } from './profile.js';
import { type ScratchStore, scratchStore } from './scratch-store.js';
import {
  type NewtonStartOptions,
  ROOT,
  type ServerProcess,
  startCompetitor,
  startNewton,
  warningNotes,
} from './server.js';
import { UWS_ENTRY } from './uws.js';

export interface BenchOptions {
  /** Smaller and shorter everything (development). */
  quick: boolean;
  /** Run Newton servers with `node --cpu-prof` and summarise the profiles. */
  profile: boolean;
  /** Echo the servers' stderr. */
  verbose: boolean;
  /** Scenario `seq`: messages and sockets (bench/latency.ts). */
  messages: number | undefined;
  sockets: number | undefined;
  /** Scenario `j` (soak): minutes per mode (default 30, quick 2). */
  minutes: number | undefined;
  /** Scenario `j` (soak): the modes to run, `embedded` and/or `cluster` (default both). */
  soakModes?: string[] | undefined;
  /** Where profiles and raw results go. */
  resultsDir: string;
}

/** A target from the issue next to the measured figure. */
export interface Target {
  what: string;
  goal: string;
  value: string;
  /** null: not measured (error) */
  met: boolean | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  startedAt: string;
  /** Whole scenario, set-up included. */
  wallSeconds: number;
  /** CPU seconds of the servers under test in the measured phases. */
  serverCpuSeconds: number;
  params: Record<string, unknown>;
  targets: Target[];
  /** Scenario-specific figures (rendered by bench/report.ts). */
  data: Record<string, unknown>;
  notes: string[];
  /** Top self-time functions per profiled Newton process (with --profile). */
  profiles?: Record<string, string[]>;
  error?: string;
  /** Cores other processes kept busy just before the scenario started. */
  backgroundCores?: number;
  /** Cores other processes kept busy on average during the scenario. */
  foreignCores?: number;
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Node flags for a Newton process, with --cpu-prof into resultsDir/profiles/<tag> when profiling. */
export function newtonNodeArgs(o: BenchOptions, tag: string): string[] {
  if (!o.profile) return [];
  const dir = profileDir(o, tag);
  rmSync(dir, { recursive: true, force: true });
  windows.delete(tag);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * The server of one kind under comparison: Newton on a scratch SQLite store (with the
 * fixture's tenants), or the plain ws / Socket.IO / uWebSockets.js competitor (uWS: after
 * `ensureUws()`). Processes are named `<prefix>-newton`, `<prefix>-ws`, `<prefix>-socketio`,
 * `<prefix>-uws`; `nodeArgs` go to any.
 */
export async function startContender(
  o: BenchOptions,
  kind: SocketKind | 'uws',
  prefix: string,
  nodeArgs: string[] = [],
): Promise<{ server: ServerProcess; store: ScratchStore | undefined }> {
  if (kind === 'uws') {
    const env = { UWS_ENTRY };
    const server = await startCompetitor(`${prefix}-uws`, 'uws-server.ts', o.verbose, nodeArgs, env);
    return { server, store: undefined };
  }
  if (kind !== 'newton') {
    const server = await startCompetitor(
      kind === 'ws' ? `${prefix}-ws` : `${prefix}-socketio`,
      kind === 'ws' ? 'ws-server.ts' : 'socketio-server.ts',
      o.verbose,
      nodeArgs,
    );
    return { server, store: undefined };
  }
  const store = await scratchStore('sqlite');
  const server = await startTaggedNewton(o, `${prefix}-newton`, store, { nodeArgs });
  return { server, store };
}

/**
 * `newton start` on `store`, named `tag` (the process, its profiles and its measured
 * phases), with --cpu-prof when profiling and its stderr echoed with --verbose.
 */
export function startTaggedNewton(
  o: BenchOptions,
  tag: string,
  store: ScratchStore,
  more: Omit<Partial<NewtonStartOptions>, 'name' | 'echo'> = {},
): Promise<ServerProcess> {
  return startNewton({
    name: tag,
    ...store.env,
    ...more,
    nodeArgs: [...(more.nodeArgs ?? []), ...newtonNodeArgs(o, tag)],
    echo: o.verbose,
  });
}

/** Stops the servers, adds their warnings to `warnings`, then removes the scratch store (if any). */
export async function stopServers(
  servers: ServerProcess[],
  store: ScratchStore | undefined,
  warnings: string[],
): Promise<void> {
  for (const server of servers) await server.stop();
  warnings.push(...warningNotes(servers));
  await store?.remove();
}

export function profileDir(o: BenchOptions, tag: string): string {
  return path.resolve(ROOT, o.resultsDir, 'profiles', tag);
}

const windows = new Map<string, [number, number]>();

/** Records `[start, end]` (nowMs() times) as a measured phase of the server tagged `tag`. */
export function measured(tag: string, start: number, end: number): void {
  const w = windows.get(tag);
  windows.set(tag, w ? [Math.min(w[0], start), Math.max(w[1], end)] : [start, end]);
}

/**
 * Top functions of the profiles written for `tags` (after the processes
 * exited), counting only samples within the measured phases of each.
 */
export function collectProfiles(o: BenchOptions, tags: string[]): Record<string, string[]> | undefined {
  if (!o.profile) return undefined;
  const out: Record<string, string[]> = {};
  for (const tag of tags) out[tag] = summarizeProfiles(profileDir(o, tag), 15, windows.get(tag));
  return out;
}

/** A target with its measured value; `met` null when it could not be measured. */
export function target(what: string, goal: string, value: string, met: boolean | null): Target {
  return { what, goal, value, met };
}
