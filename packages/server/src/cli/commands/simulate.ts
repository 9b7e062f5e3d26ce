import { randomBytes } from 'node:crypto';
import { CommandError, digits, parse, required, str, tenantId } from '../args.js';
import type { CliContext } from '../context.js';

/**
 * Posts an Evolution-shaped `messages.upsert` to the running server through
 * the real webhook path, authenticated as the instance would be.
 */
export async function simulate(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      from: { type: 'string' },
      text: { type: 'string' },
      name: { type: 'string' },
      instance: { type: 'string' },
      url: { type: 'string' },
    },
    { min: 1, max: 1, names: '<tenant_id>' },
  );
  const tenant = tenantId(positionals[0]);
  const from = digits(required(values, 'from'), 'from');
  const text = required(values, 'text');
  const store = await ctx.openStore();
  const instances = (await store.admin.listInstances(tenant)).filter((i) => i.provider === 'evolution');
  const wanted = str(values, 'instance');
  const inst = wanted ? instances.find((i) => i.name === wanted) : instances[0];
  if (!inst) {
    throw new CommandError(
      wanted
        ? `tenant ${tenant} has no evolution instance "${wanted}"`
        : `tenant ${tenant} has no evolution instance (add one with: newton instance add ${tenant} --provider evolution --instance <name>)`,
    );
  }
  const body = {
    event: 'messages.upsert',
    instance: inst.name,
    data: {
      key: {
        remoteJid: `${from}@s.whatsapp.net`,
        fromMe: false,
        id: randomBytes(10).toString('hex').toUpperCase(),
      },
      pushName: str(values, 'name') ?? null,
      status: 'DELIVERY_ACK',
      message: { conversation: text },
      messageType: 'conversation',
      messageTimestamp: Math.floor(Date.now() / 1000),
      instanceId: inst.id,
      source: 'unknown',
    },
    destination: 'newton simulate',
    date_time: new Date().toISOString(),
    sender: inst.number ? `${inst.number}@s.whatsapp.net` : undefined,
    server_url: 'newton-simulate',
    apikey: inst.apikey,
  };
  const base = ctx.serverUrl(str(values, 'url'));
  const url = `${base}/webhooks/evolution${inst.webhookSecret ? `?token=${encodeURIComponent(inst.webhookSecret)}` : ''}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new CommandError(`cannot reach the server at ${base} (${(err as Error).message}); is it running?`);
  }
  const answer = await res.text();
  ctx.out(answer);
  if (!res.ok) throw new CommandError(`the server answered ${res.status}`);
  return 0;
}
