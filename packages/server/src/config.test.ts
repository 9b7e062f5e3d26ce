/**
 * loadConfig: one declaration per option (config-schema.ts) gives the field,
 * its variable, its default and its check; bad values name the variable.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { TestNewton } from '../testing/harness.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { ConfigOptions, ConfigSchema } from './config-schema.js';

/** loadConfig's throw, checked to be a ConfigError. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.code, 'NEWTON_ERR_CONFIG');
    return e;
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('media store', () => {
  test('MEDIA_STORE=s3 reads the S3 settings; it needs a bucket, and keys go in pairs', () => {
    const c = loadConfig({
      MEDIA_STORE: 's3',
      MEDIA_S3_BUCKET: 'media',
      MEDIA_S3_ENDPOINT: 'http://minio:9000',
      MEDIA_S3_FORCE_PATH_STYLE: 'true',
    });
    assert.equal(c.mediaStore, 's3');
    assert.equal(c.mediaS3Bucket, 'media');
    assert.equal(c.mediaS3ForcePathStyle, true);
    assert.match(configError({ MEDIA_STORE: 's3' }).message, /MEDIA_S3_BUCKET/);
    assert.match(configError({ MEDIA_S3_ACCESS_KEY_ID: 'AKIA' }).message, /go together/);
    assert.match(configError({ MEDIA_STORE: 'gcs' }).message, /MEDIA_STORE: must be fs or s3/);
    assert.match(configError({ MEDIA_S3_FORCE_PATH_STYLE: 'maybe' }).message, /MEDIA_S3_FORCE_PATH_STYLE/);
  });
});

describe('defaults', () => {
  test('an empty environment gives the documented defaults', () => {
    const expected: Config = {
      port: 8080,
      host: '0.0.0.0',
      dataDir: path.resolve('./data'),
      databaseUrl: undefined,
      poolSize: 10,
      checkpointIntervalMs: 250,
      redisUrl: undefined,
      jwtSecret: undefined,
      jwksUrl: undefined,
      logLevel: 'info',
      logFile: undefined,
      heartbeatIntervalMs: 30_000,
      maxFrameBytes: 65_536,
      webhookBodyLimit: 67_108_864,
      maxSocketBufferBytes: 1_048_576,
      gapGraceMs: 10,
      receiptsKept: 50_000,
      headPollMs: 2000,
      eventRetentionMs: 604_800_000,
      eventRetentionMax: 100_000,
      pruneIntervalMs: 60_000,
      replayCacheEvents: 256,
      streamLingerMs: 30_000,
      presenceTtlMs: 30_000,
      shutdownTimeoutMs: 10_000,
      mediaMaxBytes: 16_777_216,
      mediaFetchTimeoutMs: 60_000,
      outboundMediaMaxBytes: 16_777_216,
      templatesCacheTtlMs: 300_000,
      mediaStore: 'fs',
      mediaS3Bucket: undefined,
      mediaS3Endpoint: undefined,
      mediaS3Region: 'us-east-1',
      mediaS3AccessKeyId: undefined,
      mediaS3SecretAccessKey: undefined,
      mediaS3ForcePathStyle: false,
      mediaS3Prefix: '',
      mediaConcurrency: 4,
      mediaMaxAttempts: 12,
      mediaRetryBaseMs: 30_000,
      mediaRetryMaxMs: 3_600_000,
      mediaSweepIntervalMs: 15_000,
      providerTimeoutMs: 10_000,
      sendMaxAttempts: 5,
      sendRetryBaseMs: 1000,
      sendRetryMaxMs: 30_000,
      sendResumeAfterMs: 30_000,
      publicUrl: undefined,
      trustProxy: false,
      corsOrigins: [],
      upstreamCheckIntervalMs: 60_000,
      upstreamCheckTimeoutMs: 5000,
      backfillPageSize: 100,
      backfillRate: 5000,
      backfillMaxWindowMs: 86_400_000,
      backfillIntervalMs: 300_000,
      backfillLookbackMs: 900_000,
      backfillSilentMinMs: 600_000,
      nodeId: `${hostname()}:${process.pid}`,
    };
    assert.deepEqual(loadConfig({}), expected);
  });

  test('an empty variable counts as unset', () => {
    assert.deepEqual(loadConfig({ PORT: '', DATABASE_URL: '', DATABASE_POOL_SIZE: '' }), loadConfig({}));
  });

  test('variables that are not options are ignored', () => {
    assert.deepEqual(loadConfig({ NEWTON_URL: 'http://x', poolSize: '3', PATH: '/bin' }), loadConfig({}));
  });
});

describe('every option is read from its variable', () => {
  test('each field has one documented variable, and the variables are distinct', () => {
    assert.deepEqual(ConfigOptions.map((o) => o.field).sort(), Object.keys(ConfigSchema.shape).sort());
    const names = ConfigOptions.map((o) => o.env);
    assert.equal(new Set(names).size, names.length, `a variable is used twice: ${names.join(', ')}`);
    for (const o of ConfigOptions) {
      assert.match(o.env, /^[A-Z][A-Z0-9_]*$/, o.field);
      assert.ok(o.description.length > 10, `${o.env} has no description`);
      assert.ok(o.example.length > 0, `${o.env} has no example`);
    }
  });

  test("each option's documented example is accepted and read into its field", () => {
    const env = Object.fromEntries(ConfigOptions.map((o) => [o.env, o.example]));
    const config = loadConfig(env);
    const defaults = loadConfig({});
    for (const o of ConfigOptions) {
      const value = config[o.field];
      const expected =
        typeof value === 'number'
          ? Number(o.example)
          : typeof value === 'boolean'
            ? o.example === 'true'
            : o.field === 'dataDir'
              ? path.resolve(o.example)
              : Array.isArray(value)
                ? o.example.split(',')
                : o.example;
      assert.deepEqual(value, expected, `${o.env}=${o.example} → ${o.field}`);
      assert.notEqual(value, defaults[o.field], `${o.env}'s example should differ from its default`);
    }
  });

  test('DATABASE_POOL_SIZE sets poolSize', () => {
    assert.equal(loadConfig({ DATABASE_POOL_SIZE: '3' }).poolSize, 3);
  });

  test('SQLITE_CHECKPOINT_INTERVAL_MS sets checkpointIntervalMs (0 leaves checkpoints to SQLite)', () => {
    assert.equal(loadConfig({ SQLITE_CHECKPOINT_INTERVAL_MS: '1000' }).checkpointIntervalMs, 1000);
    assert.equal(loadConfig({ SQLITE_CHECKPOINT_INTERVAL_MS: '0' }).checkpointIntervalMs, 0);
  });

  test('PUBLIC_URL keeps a path prefix and loses a trailing slash', () => {
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://example.com/newton/' }).publicUrl,
      'https://example.com/newton',
    );
    assert.equal(loadConfig({ PUBLIC_URL: 'http://10.0.0.5:8080' }).publicUrl, 'http://10.0.0.5:8080');
  });

  test('TRUST_PROXY: true, false, or a list of addresses and CIDRs', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: 'FALSE' }).trustProxy, false);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1,loopback' }).trustProxy, [
      '10.0.0.0/8',
      '::1',
      'loopback',
    ]);
  });

  test('CORS_ORIGINS: exact origins, duplicates dropped', () => {
    assert.deepEqual(
      loadConfig({ CORS_ORIGINS: 'https://crm.example.com, http://localhost:5173,https://crm.example.com' })
        .corsOrigins,
      ['https://crm.example.com', 'http://localhost:5173'],
    );
  });

  test('DATA_DIR is resolved against the working directory', () => {
    assert.equal(loadConfig({ DATA_DIR: 'rel/dir' }).dataDir, path.resolve('rel/dir'));
  });
});

describe('bad values', () => {
  const cases: [string, NodeJS.ProcessEnv, string][] = [
    [
      'a pool size that is not a number',
      { DATABASE_POOL_SIZE: 'many' },
      'DATABASE_POOL_SIZE: must be a whole number',
    ],
    ['an empty pool', { DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE: must be at least 1'],
    ['a fractional pool size', { DATABASE_POOL_SIZE: '2.5' }, 'DATABASE_POOL_SIZE: must be a whole number'],
    [
      'a negative checkpoint interval',
      { SQLITE_CHECKPOINT_INTERVAL_MS: '-5' },
      'SQLITE_CHECKPOINT_INTERVAL_MS: must be at least 0',
    ],
    [
      'a checkpoint interval that is not a number',
      { SQLITE_CHECKPOINT_INTERVAL_MS: '1s' },
      'SQLITE_CHECKPOINT_INTERVAL_MS: must be a whole number',
    ],
    ['a port that is not a number', { PORT: 'http' }, 'PORT: must be a whole number'],
    ['too many send attempts', { SEND_MAX_ATTEMPTS: '21' }, 'SEND_MAX_ATTEMPTS: must be at most 20'],
    ['no send attempt', { SEND_MAX_ATTEMPTS: '0' }, 'SEND_MAX_ATTEMPTS: must be at least 1'],
    [
      'a database that is not PostgreSQL',
      { DATABASE_URL: 'mysql://db' },
      'DATABASE_URL: must be a postgres:// URL',
    ],
    ['a Redis URL without its scheme', { REDIS_URL: 'cache:6379', JWT_SECRET: 'x'.repeat(16) }, 'REDIS_URL:'],
    [
      'a Redis URL with a bad port',
      { REDIS_URL: 'redis://cache:port', JWT_SECRET: 'x'.repeat(16) },
      'REDIS_URL:',
    ],
    ['a Redis URL without a host', { REDIS_URL: 'redis://', JWT_SECRET: 'x'.repeat(16) }, 'REDIS_URL:'],
    ['a short JWT secret', { JWT_SECRET: 'short' }, 'JWT_SECRET: must be at least 16 characters'],
    ['a JWKS URL that is not a URL', { JWKS_URL: 'keys' }, 'JWKS_URL:'],
    ['an unknown log level', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL:'],
    [
      'a relative PUBLIC_URL',
      { PUBLIC_URL: 'newton.example.com' },
      'PUBLIC_URL: must be an absolute http(s) URL',
    ],
    ['a PUBLIC_URL with a query', { PUBLIC_URL: 'https://n.example.com/?token=x' }, 'PUBLIC_URL:'],
    ['a PUBLIC_URL with a fragment', { PUBLIC_URL: 'https://n.example.com/#x' }, 'PUBLIC_URL:'],
    ['an ftp PUBLIC_URL', { PUBLIC_URL: 'ftp://n.example.com' }, 'PUBLIC_URL:'],
    ['no check timeout', { UPSTREAM_CHECK_TIMEOUT_MS: '0' }, 'UPSTREAM_CHECK_TIMEOUT_MS: must be at least 1'],
    ['a TRUST_PROXY hop count', { TRUST_PROXY: '2' }, 'TRUST_PROXY: a hop count (2) cannot tell a proxy'],
    ['a TRUST_PROXY that is no address', { TRUST_PROXY: '10.0.0.0/8,proxy' }, 'TRUST_PROXY: must be true'],
    ['a CIDR prefix too long', { TRUST_PROXY: '10.0.0.0/33' }, 'not 10.0.0.0/33'],
    ['a CORS origin with a path', { CORS_ORIGINS: 'https://crm.example.com/app' }, 'CORS_ORIGINS: must be'],
    [
      'a CORS origin with a slash',
      { CORS_ORIGINS: 'https://crm.example.com/' },
      'not https://crm.example.com/',
    ],
    ['a CORS wildcard', { CORS_ORIGINS: '*' }, 'CORS_ORIGINS:'],
  ];
  for (const [what, env, line] of cases) {
    test(`${what}: ConfigError naming the variable`, () => {
      const err = configError(env);
      assert.ok(err.message.startsWith('invalid configuration:\n  '), err.message);
      assert.ok(err.message.includes(line), `expected "${line}" in:\n${err.message}`);
    });
  }

  test('several bad variables are all named, one line each', () => {
    const err = configError({ PORT: 'x', DATABASE_POOL_SIZE: '0', SQLITE_CHECKPOINT_INTERVAL_MS: 'y' });
    const lines = err.message.split('\n').slice(1);
    assert.equal(lines.length, 3, err.message);
    for (const name of ['PORT', 'DATABASE_POOL_SIZE', 'SQLITE_CHECKPOINT_INTERVAL_MS']) {
      assert.ok(
        lines.some((l) => l.trim().startsWith(`${name}: `)),
        `${name} missing in:\n${err.message}`,
      );
    }
  });

  test('REDIS_URL needs a shared JWT_SECRET or JWKS_URL', () => {
    assert.match(configError({ REDIS_URL: 'redis://cache:6379' }).message, /REDIS_URL is set .* JWT_SECRET/);
    assert.equal(
      loadConfig({ REDIS_URL: 'redis://cache:6379', JWKS_URL: 'https://auth.example.com/jwks.json' })
        .redisUrl,
      'redis://cache:6379',
    );
    assert.equal(
      loadConfig({ REDIS_URL: 'rediss://cache:6380', JWT_SECRET: 's'.repeat(16) }).redisUrl,
      'rediss://cache:6380',
    );
  });
});

test('the store opens with the configured pool size and checkpoint interval', async () => {
  const newton = await TestNewton.start({ poolSize: 3, checkpointIntervalMs: 0 });
  try {
    const store = newton.node.store;
    if (store.dialect === 'postgres') assert.equal(store.pool?.options.max, 3);
    else
      assert.equal(
        Reflect.get(store, 'checkpointer'),
        undefined,
        'SQLITE_CHECKPOINT_INTERVAL_MS=0: no checkpointer',
      );
  } finally {
    await newton.close();
  }
  const defaults = await TestNewton.start();
  try {
    const store = defaults.node.store;
    // The webhook write path's pool is carved out of the same ten (store/pg-pools.ts).
    if (store.dialect === 'postgres')
      assert.equal((store.pool?.options.max ?? 0) + (store.ingestPool?.options.max ?? 0), 10);
    else assert.notEqual(Reflect.get(store, 'checkpointer'), undefined);
  } finally {
    await defaults.close();
  }
});
