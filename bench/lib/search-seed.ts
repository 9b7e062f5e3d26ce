/**
 * Seeds a scratch store for the search scenario (i): leads, conversations and
 * messages of WhatsApp sales chat in Spanish, written straight into the
 * database before the node starts (the migration-015 triggers index them as
 * they would any webhook's message). Word frequencies follow a Zipf law over
 * a chat vocabulary, so some words are in a third of the messages and others
 * in a handful; a planted reference code (`ref<n>`) is in one message in 1,000.
 * Deterministic (seeded PRNG).
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { ScratchStore } from './scratch-store.js';

const COMMON = `hola buenas quiero precio celular vender gracias cuanto tiene envio garantia
  iphone samsung pantalla bateria modelo favor dias tardes noches medellin bogota cali
  pago efectivo transferencia cuotas descuento oferta disponible nuevo usado estado
  factura cargador caja original memoria gigas color negro blanco azul dorado cambio
  recibo domicilio direccion tienda horario abierto cerrado mañana hoy semana lunes
  viernes sabado domingo claro perfecto listo vale dale ok si no tal vez cotizacion
  reparacion camara trasera frontal vidrio roto mojado enciende apaga carga rapido lento
  xiaomi redmi motorola huawei oppo realme pro max plus mini ultra lite galaxy note
  señor señora amigo hermano cliente asesor ayuda pregunta respuesta espero pendiente
  canción música foto video audio mensaje llamada número cédula nombre correo`
  .split(/\s+/)
  .filter(Boolean);

const FIRST = `Valentina Santiago Camila Mateo Sofía Sebastián Isabella Nicolás Mariana Samuel
  Daniela Alejandro Gabriela Juan Laura Andrés Natalia David Paula Felipe Carolina Diego
  Juliana Tomás Manuela Emilio Lucía Martín Sara Miguel`
  .split(/\s+/)
  .filter(Boolean);
const LAST = `García Rodríguez Martínez López González Pérez Sánchez Ramírez Torres Flórez
  Rivera Gómez Díaz Morales Castro Ortiz Rojas Vargas Jiménez Herrera`
  .split(/\s+/)
  .filter(Boolean);

/** Mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative Zipf (s = 1) weights over `n` ranks. */
function zipf(n: number): number[] {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
}

export interface SeedPlan {
  tenantId: string;
  instanceId: string;
  leads: number;
  messages: number;
  seed: number;
}

interface Rows {
  leads: unknown[][];
  conversations: unknown[][];
  messages: unknown[][];
}

/** Phone of lead `i`: +57 300 then seven digits. */
export const leadPhone = (i: number) => `+57300${String(1_000_000 + i * 7919).slice(-7)}`;

function generate(p: SeedPlan): Rows {
  const rand = prng(p.seed);
  const cdf = zipf(COMMON.length);
  const word = () => {
    const r = rand();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] ?? 1) < r) lo = mid + 1;
      else hi = mid;
    }
    return COMMON[lo] ?? 'hola';
  };
  const t0 = Date.UTC(2026, 0, 1);
  const rows: Rows = { leads: [], conversations: [], messages: [] };
  const perLead = Math.ceil(p.messages / p.leads);
  let n = 0;
  for (let i = 0; i < p.leads && n < p.messages; i++) {
    const leadId = `${p.tenantId}-lead-${i}`;
    const convId = `${p.tenantId}-conv-${i}`;
    const name = `${FIRST[Math.floor(rand() * FIRST.length)]} ${LAST[Math.floor(rand() * LAST.length)]}`;
    const at = t0 + i * 60_000;
    rows.leads.push([leadId, p.tenantId, leadPhone(i), name, at, at]);
    let last = at;
    let lastId = '';
    let preview = '';
    for (let k = 0; k < perLead && n < p.messages; k++, n++) {
      const words = Array.from({ length: 4 + Math.floor(rand() * 14) }, word);
      if (n % 1000 === 7) words.push(`ref${n}`);
      const text = words.join(' ');
      const id = `${p.tenantId}-m-${n}`;
      last = at + k * 30_000;
      lastId = id;
      preview = text.slice(0, 160);
      const inbound = rand() < 0.6;
      rows.messages.push([
        id,
        p.tenantId,
        convId,
        leadId,
        p.instanceId,
        `WAID${n}`,
        inbound ? 'inbound' : 'outbound',
        inbound ? 'lead' : 'agent',
        text,
        inbound ? 'delivered' : 'read',
        last,
        n + 1,
        last,
      ]);
    }
    rows.conversations.push([convId, p.tenantId, leadId, p.instanceId, last, lastId, preview, at, last]);
  }
  return rows;
}

const LEAD_COLS = ['id', 'tenant_id', 'phone', 'name', 'created_at', 'updated_at'];
const CONV_COLS = [
  'id',
  'tenant_id',
  'lead_id',
  'instance_id',
  'last_message_at',
  'last_message_id',
  'last_message_preview',
  'created_at',
  'updated_at',
];
const MSG_COLS = [
  'id',
  'tenant_id',
  'conversation_id',
  'lead_id',
  'instance_id',
  'provider_message_id',
  'direction',
  'sender',
  'content',
  'status',
  'timestamp',
  'arrival_seq',
  'created_at',
];
/** Constant columns of each table (the rest come from the generated rows). */
const CONV_FIXED = { status: "'open'", unread_count: '0' };
const MSG_FIXED = { provider: "'evolution'", type: "'text'", is_probe: '0', send_attempts: '0' };

function insertSql(table: string, cols: string[], fixed: Record<string, string>, rows: number): string {
  const all = [...cols, ...Object.keys(fixed)];
  let k = 0;
  const tuple = () => `(${[...cols.map(() => `$${++k}`), ...Object.values(fixed)].join(', ')})`;
  return `insert into ${table} (${all.join(', ')}) values ${Array.from({ length: rows }, tuple).join(', ')}`;
}

/** Writes the plans' rows into the store (before any node runs on it). */
export async function seedSearch(store: ScratchStore, plans: SeedPlan[]): Promise<void> {
  const tables: [string, string[], Record<string, string>, keyof Rows][] = [
    ['leads', LEAD_COLS, {}, 'leads'],
    ['conversations', CONV_COLS, CONV_FIXED, 'conversations'],
    ['messages', MSG_COLS, MSG_FIXED, 'messages'],
  ];
  if (store.dialect === 'sqlite') {
    const db = new BetterSqlite3(path.join(store.env.dataDir, 'newton.sqlite'));
    try {
      for (const plan of plans) {
        const rows = generate(plan);
        db.transaction(() => {
          for (const [table, cols, fixed, key] of tables) {
            const stmt = db.prepare(insertSql(table, cols, fixed, 1).replace(/\$\d+/g, '?'));
            for (const r of rows[key]) stmt.run(...r);
          }
        })();
      }
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: store.env.databaseUrl });
  await client.connect();
  try {
    for (const plan of plans) {
      const rows = generate(plan);
      await client.query('begin');
      for (const [table, cols, fixed, key] of tables) {
        const all = rows[key];
        for (let i = 0; i < all.length; i += 500) {
          const batch = all.slice(i, i + 500);
          await client.query(insertSql(table, cols, fixed, batch.length), batch.flat());
        }
      }
      await client.query('commit');
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** The instance id of `tenantId`'s first instance in the store. */
export async function instanceOf(store: ScratchStore, tenantId: string): Promise<string> {
  if (store.dialect === 'sqlite') {
    const db = new BetterSqlite3(path.join(store.env.dataDir, 'newton.sqlite'), { readonly: true });
    try {
      const row = db.prepare('select id from instances where tenant_id = ?').get(tenantId) as { id: string };
      return row.id;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.env.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('select id from instances where tenant_id = $1', [tenantId]);
    return String(rows[0].id);
  } finally {
    await client.end();
  }
}
