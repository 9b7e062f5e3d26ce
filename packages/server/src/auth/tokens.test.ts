import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { AuthError } from '../core/index.js';
import { TokenService } from './tokens.js';

// The verified-token cache must never change an answer: only speed up a repeat (reconnect storms).
describe('TokenService: remembered verifications', () => {
  let dir: string;
  let tokens: TokenService;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'newton-tokens-'));
    tokens = new TokenService({ dataDir: dir, jwtSecret: 'test-secret-0123456789abcdef' });
  });
  afterEach(() => {
    mock.timers.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token that expires after its first use is refused as expired', async () => {
    const token = await tokens.issue({ tenants: ['acme'], userId: 'u1', ttlSeconds: 60 });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    assert.equal((await tokens.verify(token)).userId, 'u1');
    assert.equal((await tokens.verify(token)).userId, 'u1');
    mock.timers.tick(66_000); // past exp and the 5 s tolerance
    await assert.rejects(
      tokens.verify(token),
      (e: unknown) => e instanceof AuthError && e.reason === 'token_expired',
    );
  });

  it('a token differing from a verified one in its signature is still refused', async () => {
    const token = await tokens.issue({ tenants: ['acme'], ttlSeconds: 60 });
    await tokens.verify(token);
    // A character well inside the signature (the last one carries unused padding bits).
    const i = token.length - 10;
    const forged = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    await assert.rejects(
      tokens.verify(forged),
      (e: unknown) => e instanceof AuthError && e.reason === 'unauthorized',
    );
  });

  it('another secret never accepts a token this one remembered', async () => {
    const token = await tokens.issue({ tenants: ['acme'], ttlSeconds: 60 });
    await tokens.verify(token);
    const other = new TokenService({ dataDir: dir, jwtSecret: 'another-secret-0123456789abcdef' });
    await assert.rejects(
      other.verify(token),
      (e: unknown) => e instanceof AuthError && e.reason === 'unauthorized',
    );
  });
});
