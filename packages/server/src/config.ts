import type { z } from 'zod';
import { ConfigOptions, ConfigSchema } from './config-schema.js';

/**
 * Newton's configuration, read from the environment. Every field, its
 * variable, default and meaning are declared once in config-schema.ts and
 * listed in docs/configuration.md.
 */
export type Config = z.output<typeof ConfigSchema>;

/** The configuration is unusable; the message names each bad variable. */
export class ConfigError extends Error {
  readonly code = 'NEWTON_ERR_CONFIG';
  /** One line per problem, each starting with the variable: `PUBLIC_URL: must be …`. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }

  /** The problems on one line, each with an example of a good value (what `newton` prints). */
  oneLine(): string {
    const fixed = this.problems.map((p) => {
      const m = /^([A-Z0-9_]+): (.*)$/.exec(p);
      if (!m) return p;
      const example = exampleOf.get(m[1] as string);
      return `${m[1]} ${m[2]}${example ? ` (for example ${m[1]}=${example})` : ''}`;
    });
    return `invalid configuration: ${fixed.join('; ')}`;
  }
}

const envOf = new Map<PropertyKey, string>(ConfigOptions.map((o) => [o.field, o.env]));
const exampleOf = new Map<string, string>(ConfigOptions.map((o) => [o.env, o.example]));

/**
 * Reads and checks the configuration; throws ConfigError naming each bad variable.
 * An empty variable counts as unset.
 * @example loadConfig({ PORT: '0', DATA_DIR: '/tmp/newton' }).port // 0
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    ConfigOptions.map((o) => [o.field, env[o.env] === '' ? undefined : env[o.env]] as const),
  );
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const field = i.path[0];
      return `${field === undefined ? '' : `${envOf.get(field) ?? String(field)}: `}${i.message}`;
    });
    // One line per problem: a value failing two checks of one rule is said once.
    throw new ConfigError([...new Set(lines)]);
  }
  const config = parsed.data;
  if (config.redisUrl && !config.jwtSecret && !config.jwksUrl) {
    throw new ConfigError([
      'REDIS_URL is set (several nodes) but neither JWT_SECRET nor JWKS_URL: ' +
        'every node must verify the same tokens, so give them one JWT_SECRET',
    ]);
  }
  if (config.mediaStore === 's3' && !config.mediaS3Bucket) {
    throw new ConfigError([
      'MEDIA_STORE is s3 but MEDIA_S3_BUCKET is unset: name the bucket media are kept in',
    ]);
  }
  if (Boolean(config.mediaS3AccessKeyId) !== Boolean(config.mediaS3SecretAccessKey)) {
    throw new ConfigError([
      'MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY go together: set both or neither',
    ]);
  }
  return config;
}
