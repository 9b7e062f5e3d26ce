import { TestCluster } from '../testing/cluster.js';
import { upsertBody } from '../testing/evolution-fixtures.js';
import { ReconnectingClient } from '../testing/reconnecting-client.js';
import { TestRedis } from '../testing/redis.js';

const redis = await TestRedis.start();
const cluster = await TestCluster.start(3, redis.url);
const tenant = 'exp';
await cluster.node(0).addTenant(tenant);
await cluster.node(0).addInstance({ tenantId: tenant, name: 'exp-wa' });
const token = await cluster.node(0).token(tenant);
const urls = cluster.nodes.map((n) => n.url);
const nClients = Number(process.env.CLIENTS ?? 20);
const clients = Array.from({ length: nClients }, (_, i) => new ReconnectingClient({ urls, tenant, token, start: i % 3 }));
await Promise.all(clients.map((c) => c.waitLive()));
let k = 0;
async function batch(n: number) {
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (next < n) {
      next++;
      const i = k++;
      const res = await fetch(`${urls[i % 3]}/webhooks/evolution`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(upsertBody({ instance: 'exp-wa', sender: null, from: `57300111000${i % 5}`, id: `K${i}`, pushName: `L${i % 5}` })) });
      await res.text();
    }
  }));
  return Date.now() - t0;
}
console.log('redis up 400:', await batch(400));
await redis.kill();
console.log('redis down 400:', await batch(400));
await redis.restart();
console.log('redis back 400:', await batch(400));
for (const c of clients) await c.stop();
await cluster.close();
await redis.stop();
