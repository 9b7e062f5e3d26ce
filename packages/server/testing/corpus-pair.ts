/**
 * The node behind the fixture-corpus tests (testing/corpus/): tenant `acme`
 * with the Evolution instance and the Cloud API number the corpus bodies
 * name, two sockets of it, and tenant `beta` with its own numbers and one
 * socket. `once` checks that an event reached both of acme's sockets exactly
 * once and beta's not at all. For tests only.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { addCloudNumber, postCloudWebhook } from './cloud-node.js';
import { type Frame, type HttpResult, TestNewton, type TestSocket } from './harness.js';

export const CORPUS = {
  tenant: 'acme',
  other: 'beta',
  /** The Evolution instance and own number the corpus's Evolution bodies name. */
  instance: 'newton-test',
  number: '5511987654321',
  /** The Cloud number the corpus's Cloud bodies name, and its app secret. */
  pnid: '106540352242922',
  secret: 'app-secret-corpus-acme',
};

export class CorpusPair {
  private pings = 0;

  private constructor(
    readonly t: TestNewton,
    readonly a1: TestSocket,
    readonly a2: TestSocket,
    readonly b: TestSocket,
  ) {}

  static async start(): Promise<CorpusPair> {
    const t = await TestNewton.start();
    await t.addTenant(CORPUS.tenant);
    await t.addTenant(CORPUS.other);
    await t.addInstance({ tenantId: CORPUS.tenant, name: CORPUS.instance, number: CORPUS.number });
    await t.addInstance({ tenantId: CORPUS.other, name: 'beta-wa', number: '573155550000' });
    const cloud = { accessToken: 'EAAG-corpus', verifyToken: 'vt' };
    await addCloudNumber(t, {
      ...cloud,
      tenantId: CORPUS.tenant,
      phoneNumberId: CORPUS.pnid,
      appSecret: CORPUS.secret,
    });
    await addCloudNumber(t, {
      ...cloud,
      tenantId: CORPUS.other,
      phoneNumberId: '209876543210987',
      appSecret: 'beta-secret',
    });
    const [a1, a2, b] = [
      await t.connect(CORPUS.tenant),
      await t.connect(CORPUS.tenant),
      await t.connect(CORPUS.other),
    ];
    return new CorpusPair(t, a1, a2, b);
  }

  evolution(body: unknown): Promise<HttpResult> {
    return this.t.evolution(body);
  }

  /** Posts a Cloud body signed with acme's app secret, escaped as Meta sends it. */
  cloud(body: unknown): Promise<HttpResult> {
    return postCloudWebhook(this.t, body, CORPUS.secret);
  }

  /**
   * Waits for the frame `match` picks on both of acme's sockets, then (after
   * a ping round trip on every socket, so anything in flight has landed)
   * asserts each got it exactly once and beta's socket never. Returns it.
   */
  async once(match: (f: Frame) => boolean, what: string): Promise<Frame> {
    const [frame] = await Promise.all([this.a1.next(match), this.a2.next(match)]);
    await Promise.all([this.a1, this.a2, this.b].map((s) => this.roundTrip(s)));
    assert.equal(this.a1.frames.filter(match).length, 1, `${what}: once on acme's first socket`);
    assert.equal(this.a2.frames.filter(match).length, 1, `${what}: once on acme's second socket`);
    assert.equal(this.b.frames.filter(match).length, 0, `${what}: never on beta's socket`);
    return frame;
  }

  /** Asserts no frame `match` picks reached any socket (after a ping round trip on each). */
  async none(match: (f: Frame) => boolean, what: string): Promise<void> {
    await Promise.all([this.a1, this.a2, this.b].map((s) => this.roundTrip(s)));
    for (const s of [this.a1, this.a2, this.b]) assert.equal(s.frames.filter(match).length, 0, what);
  }

  private async roundTrip(s: TestSocket): Promise<void> {
    const id = `corpus-${++this.pings}`;
    s.send({ type: 'ping', id });
    await s.next((f) => f.type === 'pong' && f.id === id);
  }

  close(): Promise<void> {
    return this.t.close();
  }
}

/** Starts a CorpusPair before the file's tests and closes it after them. */
export function useCorpusPair(): () => CorpusPair {
  let pair: CorpusPair | undefined;
  before(async () => {
    pair = await CorpusPair.start();
  });
  after(() => pair?.close());
  return () => {
    if (!pair) throw new Error('the CorpusPair is not started yet (use it inside a test)');
    return pair;
  };
}
