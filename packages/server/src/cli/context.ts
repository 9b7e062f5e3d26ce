import { TokenService } from '../auth/index.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import type { Store } from '../store/index.js';
// Not through store/index.js, which loads Kysely and every store (~27 ms, issue #14).
import { tenantExists } from '../store/tenant-lookup.js';
import { CommandError } from './args.js';

/** What a CLI command works with; the store is opened lazily and closed by main. */
export class CliContext {
  readonly config: Config;
  private store: Store | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly out: (line: string) => void,
    readonly err: (line: string) => void,
  ) {
    try {
      this.config = loadConfig(env);
    } catch (e) {
      throw new CommandError(e instanceof ConfigError ? e.oneLine() : (e as Error).message);
    }
  }

  async openStore(): Promise<Store> {
    // Loaded here: a command that never opens the store (`token`) never pays for it.
    const { Store } = await import('../store/index.js');
    // A short-lived command leaves WAL checkpoints to SQLite (and the server's checkpointer).
    this.store ??= await Store.open({
      dataDir: this.config.dataDir,
      databaseUrl: this.config.databaseUrl,
      poolSize: this.config.poolSize,
      checkpointIntervalMs: 0,
      // A command's process is short-lived: what it queued for search, a node (or a search) indexes.
      searchIndexIntervalMs: 0,
      // It looks an instance up once: no connection of its own listening for changes.
      cacheInstances: false,
    });
    return this.store;
  }

  /** Whether the tenant exists, read without opening (or migrating) the store. */
  tenantExists(id: string): Promise<boolean> {
    return tenantExists({ dataDir: this.config.dataDir, databaseUrl: this.config.databaseUrl }, id);
  }

  tokens(): TokenService {
    return new TokenService({
      dataDir: this.config.dataDir,
      jwtSecret: this.config.jwtSecret,
      jwksUrl: this.config.jwksUrl,
    });
  }

  /** Base URL of the running server for commands that talk HTTP. */
  serverUrl(explicit: string | undefined): string {
    // The command's environment (main's `io.env`), which is process.env when run as a program.
    const env = this.env.NEWTON_URL;
    return (explicit ?? env ?? `http://127.0.0.1:${this.config.port}`).replace(/\/+$/, '');
  }

  async close(): Promise<void> {
    await this.store?.close();
  }
}
