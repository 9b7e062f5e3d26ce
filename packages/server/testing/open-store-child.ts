/**
 * Child process for migrations.test.ts (internal): loads everything, waits
 * for "go" on stdin, then opens the store, so that several processes hit a
 * fresh database at the same moment.
 */
import { Store } from '../src/store/index.js';

process.stdin.once('data', async () => {
  try {
    const store = await Store.open({
      dataDir: process.env.DATA_DIR ?? '',
      databaseUrl: process.env.DATABASE_URL,
      checkpointIntervalMs: 0,
    });
    await store.close();
    process.stdout.write('ok\n');
    process.exit(0);
  } catch (err) {
    process.stdout.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  }
});
process.stdout.write('ready\n');
