import * as z from 'zod/mini';
import { int, option, unset } from './config-option.js';

/** `true`/`false` (also `1`/`0`, `yes`/`no`) read from text. */
function flag() {
  const words = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' });
  return z.pipe(
    words,
    z.transform((v: z.output<typeof words>) => v === 'true' || v === '1' || v === 'yes'),
  );
}

/**
 * Where media bytes are kept once fetched from the provider (#13, "Durable
 * media"): the store, its S3 settings, and how the media keeper fetches and
 * retries. `MEDIA_MAX_BYTES` and `MEDIA_FETCH_TIMEOUT_MS` (in "Replies and
 * media") bound each fetch.
 */
export const media = {
  mediaStore: option(z.prefault(z.enum(['fs', 's3'], { error: 'must be fs or s3' }), 'fs'), {
    env: 'MEDIA_STORE',
    description:
      'Where media bytes are kept: `fs`, files under `DATA_DIR/media` named by their SHA-256; `s3`, any S3-compatible store (`MEDIA_S3_*`). Kept as long as their message (Newton deletes no message).',
    example: 's3',
  }),
  mediaS3Bucket: option(unset(z.string().check(z.minLength(1))), {
    env: 'MEDIA_S3_BUCKET',
    description: 'With `MEDIA_STORE=s3`: the bucket (required; it must exist).',
    example: 'newton-media',
  }),
  mediaS3Endpoint: option(unset(z.url()), {
    env: 'MEDIA_S3_ENDPOINT',
    description: 'With `MEDIA_STORE=s3`: the endpoint of an S3-compatible store (MinIO, R2…); unset, AWS S3.',
    example: 'http://minio:9000',
  }),
  mediaS3Region: option(z.prefault(z.string().check(z.minLength(1)), 'us-east-1'), {
    env: 'MEDIA_S3_REGION',
    description: 'With `MEDIA_STORE=s3`: the region requests are signed for.',
    example: 'eu-west-1',
  }),
  mediaS3AccessKeyId: option(unset(z.string().check(z.minLength(1))), {
    env: 'MEDIA_S3_ACCESS_KEY_ID',
    description:
      "With `MEDIA_STORE=s3`: the access key; unset, the AWS SDK's own chain (`AWS_*` variables, instance role).",
    example: 'AKIA…',
  }),
  mediaS3SecretAccessKey: option(unset(z.string().check(z.minLength(1))), {
    env: 'MEDIA_S3_SECRET_ACCESS_KEY',
    description: 'With `MEDIA_S3_ACCESS_KEY_ID`: its secret. Never logged.',
    example: 'wJalrXUtnFEMI…',
  }),
  mediaS3ForcePathStyle: option(z.prefault(flag(), 'false'), {
    env: 'MEDIA_S3_FORCE_PATH_STYLE',
    description:
      'With `MEDIA_STORE=s3`: address the bucket in the path (`endpoint/bucket/key`), as MinIO and most S3-compatible stores need.',
    example: 'true',
  }),
  mediaS3Prefix: option(z.prefault(z.string(), ''), {
    env: 'MEDIA_S3_PREFIX',
    description: 'With `MEDIA_STORE=s3`: prepended to every object key (e.g. `newton/`).',
    example: 'newton/',
  }),
  mediaConcurrency: option(z.prefault(int(1, 64), 4), {
    env: 'MEDIA_CONCURRENCY',
    description: 'Media files one node fetches and stores at once, in the background of the webhooks.',
    example: '8',
  }),
  mediaMaxAttempts: option(z.prefault(int(1, 100), 12), {
    env: 'MEDIA_MAX_ATTEMPTS',
    description:
      'Attempts to fetch and store one media file before it stays `failed` (`media_failed` with `retry_at: null`).',
    example: '20',
  }),
  mediaRetryBaseMs: option(z.prefault(int(1), 30_000), {
    env: 'MEDIA_RETRY_BASE_MS',
    description: 'Wait before the second attempt; it doubles per attempt, with ±20 % jitter.',
    example: '10000',
  }),
  mediaRetryMaxMs: option(z.prefault(int(1), 3_600_000), {
    env: 'MEDIA_RETRY_MAX_MS',
    description: 'Longest wait between two attempts.',
    example: '600000',
    defaultText: '`3600000` (1 h)',
  }),
  mediaSweepIntervalMs: option(z.prefault(int(), 15_000), {
    env: 'MEDIA_SWEEP_INTERVAL_MS',
    description:
      'How often a node looks for media whose next attempt is due (also once at start: retries survive a restart); `0` only at start.',
    example: '60000',
  }),
};
