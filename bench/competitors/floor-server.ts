/**
 * The ingest floor (issue #16): the least a webhook receiver can do and still
 * promise what Newton promises for a message — a bare Fastify route that parses
 * the same Evolution `messages.upsert` webhook, checks it has what a message
 * needs, and makes it durable before answering: one INSERT per request, committed
 * on its own (SQLite in WAL with `synchronous=FULL`, like Newton's; or PostgreSQL,
 * autocommit through a pool). No tenants, no conversations, no event log, no
 * sockets: everything above this is what Newton adds, so Newton's CPU per webhook
 * and its rates are read against this server's in the same run.
 *
 * Environment: `FLOOR_DB=sqlite|postgres`, `DATA_DIR` (SQLite), `DATABASE_URL`
 * (PostgreSQL), `PORT`, `HOST`. Prints `listening on http://…` like `newton start`.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';

interface Upsert {
  event?: string;
  instance?: string;
  data?: {
    key?: { remoteJid?: string; fromMe?: boolean; id?: string };
    message?: { conversation?: string };
    messageTimestamp?: number;
  };
}

type Insert = (row: [string, string, string, string, number]) => Promise<void>;

const DDL = `create table if not exists messages (
  id text primary key, instance text not null, remote_jid text not null, body text not null, at bigint not null
)`;

async function openStore(): Promise<{ insert: Insert; close(): Promise<void> }> {
  if (process.env.FLOOR_DB === 'postgres') {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    await pool.query(DDL);
    return {
      insert: async (row) => {
        await pool.query(
          'insert into messages (id, instance, remote_jid, body, at) values ($1, $2, $3, $4, $5) on conflict do nothing',
          row,
        );
      },
      close: () => pool.end(),
    };
  }
  const db = new BetterSqlite3(path.join(process.env.DATA_DIR ?? '.', 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(DDL);
  const stmt = db.prepare(
    'insert into messages (id, instance, remote_jid, body, at) values (?, ?, ?, ?, ?) on conflict do nothing',
  );
  return {
    insert: async (row) => {
      stmt.run(...row);
    },
    close: async () => {
      db.close();
    },
  };
}

const store = await openStore();
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.post('/webhooks/evolution', async (req, reply) => {
  const body = req.body as Upsert;
  const key = body.data?.key;
  const text = body.data?.message?.conversation;
  if (
    body.event !== 'messages.upsert' ||
    !body.instance ||
    !key?.id ||
    !key.remoteJid ||
    text === undefined
  ) {
    return reply.code(400).send({ error: 'not a text messages.upsert' });
  }
  await store.insert([key.id, body.instance, key.remoteJid, text, body.data?.messageTimestamp ?? 0]);
  return { outcome: 'accepted' };
});
const address = await app.listen({
  port: Number(process.env.PORT ?? 0),
  host: process.env.HOST ?? '127.0.0.1',
});
process.stderr.write(`ingest floor (${process.env.FLOOR_DB ?? 'sqlite'}) listening on ${address}\n`);
const stop = () => {
  void app
    .close()
    .then(() => store.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
