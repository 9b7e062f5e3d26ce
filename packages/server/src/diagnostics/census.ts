import { randomUUID } from 'node:crypto';
import type { EventBus, Logger } from '../core/index.js';
import type { TenantSocketStats } from '../ws/index.js';

/** Control messages of the census, JSON after this prefix (other control users ignore them). */
const PREFIX = 'diag:';

interface Ask {
  k: 'ask';
  id: string;
  tenant: string;
  from: string;
}

interface Answer {
  k: 'answer';
  id: string;
  node: string;
  sockets: TenantSocketStats;
}

/** One node's sockets for the tenant, as that node reported them. */
export interface NodeSockets extends TenantSocketStats {
  node: string;
}

export interface CensusResult {
  /** True when this node's own question came back through the bus. */
  ok: boolean;
  /** Publish→receive of this node's own answer, ms. */
  roundTripMs: number | null;
  error: string | null;
  /** Every node that answered (this one first); only this node when the bus failed. */
  nodes: NodeSockets[];
}

/**
 * Asks every node, over the bus, for its sockets of one tenant: the node
 * serving the request publishes a question, each node (itself included)
 * publishes its answer. The own answer proves the publish→receive round trip
 * through the bus; the others give the per-node socket view. The bus carries
 * the messages opaquely; the gateway's numbers come from `localSockets`.
 */
export class SocketCensus {
  private readonly pending = new Map<string, (a: Answer) => void>();
  private readonly off: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly nodeId: string,
    private readonly localSockets: (tenantId: string) => TenantSocketStats,
    private readonly logger: Logger,
  ) {
    this.off = bus.onControl((m) => this.onControl(m));
  }

  private onControl(message: string): void {
    if (!message.startsWith(PREFIX)) return;
    let msg: Ask | Answer;
    try {
      msg = JSON.parse(message.slice(PREFIX.length)) as Ask | Answer;
    } catch {
      return;
    }
    if (msg.k === 'answer') {
      this.pending.get(msg.id)?.(msg);
      return;
    }
    if (msg.k !== 'ask' || typeof msg.tenant !== 'string') return;
    const answer: Answer = {
      k: 'answer',
      id: msg.id,
      node: this.nodeId,
      sockets: this.localSockets(msg.tenant),
    };
    this.bus
      .publishControl(PREFIX + JSON.stringify(answer))
      .catch((err: Error) => this.logger.debug({ err }, 'diagnostics answer not published'));
  }

  /**
   * Asks all nodes about `tenantId`. Waits up to `timeoutMs` for this node's
   * own answer, then `settleMs` more for the other nodes'.
   */
  async ask(tenantId: string, timeoutMs = 2000, settleMs = 250): Promise<CensusResult> {
    const id = randomUUID();
    const answers = new Map<string, NodeSockets>();
    const started = performance.now();
    let roundTripMs: number | null = null;
    let error: string | null = null;
    let ownAnswer: () => void = () => {};
    const own = new Promise<void>((resolve) => {
      ownAnswer = resolve;
    });
    this.pending.set(id, (a) => {
      answers.set(a.node, { node: a.node, ...a.sockets });
      if (a.node === this.nodeId && roundTripMs === null) {
        roundTripMs = Math.round((performance.now() - started) * 100) / 100;
        ownAnswer();
      }
    });
    try {
      const ask: Ask = { k: 'ask', id, tenant: tenantId, from: this.nodeId };
      await this.bus.publishControl(PREFIX + JSON.stringify(ask));
      const timedOut = await Promise.race([own.then(() => false), sleep(timeoutMs).then(() => true)]);
      if (timedOut) error = `no answer through the ${this.bus.kind} bus within ${timeoutMs} ms`;
      // In-process there are no other nodes to wait for.
      else if (this.bus.kind !== 'memory') await sleep(settleMs);
    } catch (err) {
      error = `${this.bus.kind} publish failed: ${(err as Error).message}`;
    } finally {
      this.pending.delete(id);
    }
    if (!answers.has(this.nodeId)) {
      answers.set(this.nodeId, { node: this.nodeId, ...this.localSockets(tenantId) });
    }
    const nodes = [...answers.values()].sort((a, b) =>
      a.node === this.nodeId ? -1 : b.node === this.nodeId ? 1 : a.node.localeCompare(b.node),
    );
    return { ok: error === null, roundTripMs, error, nodes };
  }

  close(): void {
    this.off();
    this.pending.clear();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
