// Runs SQLite WAL checkpoints on a thread of its own (see checkpointer.ts).
// Plain JavaScript: worker threads do not inherit the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    // PASSIVE never waits for or blocks writers; it copies what it can.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort?.postMessage({ error: String(err?.message ?? err) });
  }
}, workerData.intervalMs);

process.on('exit', () => {
  clearInterval(timer);
  db.close();
});
