/**
 * A load-generator process (spawned by bench/lib/clients.ts, driven over IPC):
 * holds sockets (Newton, plain `ws` or Socket.IO) and/or sends webhooks on an
 * open-loop schedule. Times are CLOCK_MONOTONIC milliseconds (`nowMs`), the
 * same clock in every process on the machine, so a webhook's send time
 * embedded in its text can be compared with the arrival time here.
 */
import {
  type ConnectArgs,
  closeAll,
  collect,
  connect,
  latencyCount,
  type Mode,
  positions,
  reconnectStorm,
  send,
  setMode,
} from './client-sockets.js';
import { type LoadArgs, load } from './webhook-sender.js';

const handlers: Record<string, (args: never) => unknown> = {
  connect: (a: ConnectArgs) => connect(a),
  mode: (a: { mode: Mode }) => setMode(a),
  collect: (a: { from?: number }) => collect(a),
  latencyCount: (a: { from: number }) => latencyCount(a),
  positions: () => positions(),
  closeAll: (a: { forget?: boolean; timeoutMs?: number }) => closeAll(a),
  storm: (a: { at: number; target: number; timeoutMs: number }) => reconnectStorm(a),
  load: (a: LoadArgs) => load(a),
  memory: () => process.memoryUsage(),
};

process.on('message', (msg: { id: number; cmd: string; args: unknown }) => {
  const h = handlers[msg.cmd];
  if (!h) {
    send({ id: msg.id, ok: false, error: `unknown command ${msg.cmd}` });
    return;
  }
  Promise.resolve()
    .then(() => h(msg.args as never))
    .then(
      (result) => send({ id: msg.id, ok: true, result }),
      (err: Error) => send({ id: msg.id, ok: false, error: err.stack ?? String(err) }),
    );
});
process.on('disconnect', () => process.exit(0));
send({ event: 'ready' });
