/**
 * Several Newton nodes on one PostgreSQL database and one Redis (internal).
 */
import type { Config } from '../src/config.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { TestNewton } from './harness.js';

export const CLUSTER_JWT_SECRET = 'cluster-test-secret-0123456789abcdef';

export class TestCluster {
  private constructor(
    readonly nodes: TestNewton[],
    readonly database: TestDatabase,
    readonly redisUrl: string,
  ) {}

  /** Starts `n` nodes (node ids node-1…node-n) sharing a fresh PostgreSQL database and `redisUrl`. */
  static async start(n: number, redisUrl: string, overrides: Partial<Config> = {}): Promise<TestCluster> {
    const database = await createTestDatabase('postgres');
    const nodes: TestNewton[] = [];
    try {
      for (let i = 1; i <= n; i++) {
        nodes.push(
          await TestNewton.start(
            { redisUrl, jwtSecret: CLUSTER_JWT_SECRET, nodeId: `node-${i}`, headPollMs: 500, ...overrides },
            { database },
          ),
        );
      }
    } catch (err) {
      for (const node of nodes) await node.close();
      await database.drop();
      throw err;
    }
    return new TestCluster(nodes, database, redisUrl);
  }

  node(i: number): TestNewton {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return n;
  }

  /** Starts one more node on the same database and Redis. */
  async add(overrides: Partial<Config> = {}): Promise<TestNewton> {
    const node = await TestNewton.start(
      {
        redisUrl: this.redisUrl,
        jwtSecret: CLUSTER_JWT_SECRET,
        nodeId: `node-${this.nodes.length + 1}`,
        headPollMs: 500,
        ...overrides,
      },
      { database: this.database },
    );
    this.nodes.push(node);
    return node;
  }

  async close(): Promise<void> {
    for (const node of this.nodes) await node.close().catch(() => {});
    await this.database.drop();
  }
}
