/**
 * A node set up to prove that secrets stay out of what Newton says (issue #5
 * §7): every log line it writes and every API answer given through call() is
 * kept, and assertNoLeak() checks none of them holds a secret. Tenant `sec`
 * exists with a token; the test adds the instance under test. For tests only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { type NewtonNode, startNode } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger, type Logger } from '../src/core/index.js';
import { createTestDatabase } from './databases.js';
import { ProviderSimulator } from './provider-simulator/server.js';
import { FAST_SEND } from './reply-fixture.js';

export interface SecretsProbeOptions {
  /** NODE_ID of the node, also naming its data directory. */
  nodeId: string;
  /**
   * `node`: the node's own logger (redaction and serializers included);
   * `plain`: a bare pino logger, so a secret must never reach a log call at all.
   */
  logger: 'node' | 'plain';
}

export interface ProbeAnswer {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

export class SecretsProbe {
  /** Every API answer body given through call(). */
  readonly bodies: string[] = [];
  /** Bearer + JSON headers of a token for tenant `sec`. */
  auth: Record<string, string> = {};

  private constructor(
    readonly node: NewtonNode,
    readonly sim: ProviderSimulator,
    /** Every log line of the node. */
    readonly lines: string[],
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(opts: SecretsProbeOptions): Promise<SecretsProbe> {
    const lines: string[] = [];
    const write = { write: (line: string) => lines.push(line) };
    const logger: Logger =
      opts.logger === 'node' ? createLogger('debug', opts.nodeId, write) : pino({ level: 'debug' }, write);
    const database = await createTestDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), `newton-${opts.nodeId}-`));
    const sim = await ProviderSimulator.start();
    const node = await startNode(
      {
        ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ID: opts.nodeId }),
        databaseUrl: database.url,
        ...FAST_SEND,
      },
      logger,
    );
    const probe = new SecretsProbe(node, sim, lines, async () => {
      await node.close();
      await sim.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    try {
      await node.store.admin.createTenant('sec', null);
      const token = await node.tokens.issue({ tenants: ['sec'], ttlSeconds: 600 });
      probe.auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    } catch (err) {
      await probe.close();
      throw err;
    }
    return probe;
  }

  /** An HTTP call to the node whose answer is kept; a body that is not a string is sent as JSON. */
  async call(method: string, p: string, body?: unknown, headers: Record<string, string> = this.auth) {
    const res = await fetch(`${this.node.url}${p}`, {
      method,
      headers,
      ...(body ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    this.bodies.push(text);
    return {
      status: res.status,
      text,
      json: () => (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    } satisfies ProbeAnswer;
  }

  close(): Promise<void> {
    return this.cleanup();
  }

  /** Asserts that no secret is in any kept answer or log line (call after close()). */
  assertNoLeak(secrets: string[]): void {
    for (const secret of secrets) {
      for (const text of [...this.bodies, ...this.lines]) {
        assert.ok(!text.includes(secret), `${secret.slice(0, 8)}… leaked in: ${text.slice(0, 300)}`);
      }
    }
  }
}
