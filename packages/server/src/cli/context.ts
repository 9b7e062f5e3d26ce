import { TokenService } from '../auth/index.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { Store } from '../store/index.js';
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
    // A short-lived command leaves WAL checkpoints to SQLite (and the server's checkpointer).
    this.store ??= await Store.open({
      dataDir: this.config.dataDir,
      databaseUrl: this.config.databaseUrl,
      poolSize: this.config.poolSize,
      checkpointIntervalMs: 0,
    });
    return this.store;
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
