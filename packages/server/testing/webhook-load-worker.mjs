/**
 * The small-webhook load of webhook-load.ts on a thread of its own: posts
 * paced Evolution webhooks and times each one's `new_message` on its own
 * socket, on an event loop that is not the node's, as a provider and a
 * browser would be (for tests only). Times are absolute ms
 * (performance.timeOrigin + now), comparable across threads.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';

const { url, wsUrl, template, rate, customers, prefix } = workerData;
const now = () => performance.timeOrigin + performance.now();
/** Provider message id → when its new_message reached the socket. */
const arrived = new Map();
const order = [];
let count = 0;
let stopping = false;

const ws = new WebSocket(wsUrl);
ws.on('message', (data) => {
  const f = JSON.parse(data.toString());
  const id = f.message?.provider_message_id;
  if (f.type === 'new_message' && id?.startsWith(prefix) && !arrived.has(id)) {
    arrived.set(id, now());
    order.push(id);
  } else if (f.type === 'new_message' && id?.startsWith(prefix)) order.push(id);
});
ws.on('open', () => parentPort.postMessage({ ready: true }));
ws.on('error', (err) => parentPort.postMessage({ error: String(err) }));

function body(n) {
  const id = `${prefix}${String(n).padStart(10, '0')}`;
  const from = `57300333${String(n % customers).padStart(4, '0')}`;
  const raw = template
    .replace('__ID__', id)
    .replace(/__FROM__/g, from)
    .replace('__TEXT__', `mensaje ${n}`);
  return { id, raw: Buffer.from(raw) };
}

/**
 * node:http on kept-alive connections: fetch (undici) cost ~1.5 ms of CPU per
 * post, on a core the node under test shares (a provider posts from another host).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: customers });

function post(raw) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/webhooks/evolution`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': raw.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(raw);
  });
}

/** Posts at `rate`/s until told to stop; a customer's next waits for its previous answer. */
async function run() {
  const ids = [];
  const sentAt = {};
  const failed = [];
  const chains = Array.from({ length: customers }, () => Promise.resolve());
  const start = performance.now();
  stopping = false;
  for (let i = 0; !stopping; i++) {
    // Paces the load (not a wait for state): one webhook every 1000/rate ms.
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const n = count++;
    const { id, raw } = body(n);
    ids.push(id);
    const c = n % customers;
    chains[c] = chains[c].then(async () => {
      sentAt[id] = now();
      const status = await post(raw).catch(() => 0);
      if (status !== 200) failed.push(status);
    });
  }
  await Promise.all(chains);
  return { ids, sentAt, failed };
}

parentPort.on('message', async (m) => {
  if (m.cmd === 'run') parentPort.postMessage({ run: await run() });
  else if (m.cmd === 'stop') stopping = true;
  else if (m.cmd === 'arrivals') {
    parentPort.postMessage({ arrivals: Object.fromEntries(arrived), order });
  } else if (m.cmd === 'close') {
    ws.close();
    agent.destroy();
    parentPort.close();
  }
});
