import { phoneDigits } from '../../core/index.js';
import { syntheticInbound } from '../../providers/index.js';
import { CommandError, option, parse, required, str, tenantId } from '../args.js';
import type { CliContext } from '../context.js';
import { SIMULATE } from '../help/commands.js';

/**
 * Posts a synthetic inbound text to the running server through the real
 * webhook path, as the instance's provider would send it: an Evolution
 * `messages.upsert` authenticated as the instance, or a Cloud API webhook
 * signed with the number's app secret. `--instance` (an Evolution instance
 * name or a Cloud phone_number_id) picks the instance; by default the
 * tenant's first Evolution instance, else its first Cloud number.
 */
export async function simulate(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, SIMULATE);
  const tenant = tenantId(positionals[0]);
  const from = option('from', () => phoneDigits(required(values, 'from')));
  const text = required(values, 'text');
  const store = await ctx.openStore();
  if (!(await store.admin.getTenant(tenant))) {
    throw new CommandError(
      `tenant "${tenant}" does not exist (newton tenant list shows them; newton tenant add ${tenant} creates it)`,
    );
  }
  const instances = (await store.admin.listInstances(tenant)).filter(
    (i) => i.provider === 'evolution' || i.provider === 'cloud',
  );
  const wanted = str(values, 'instance');
  const inst = wanted
    ? instances.find((i) => i.name === wanted)
    : (instances.find((i) => i.provider === 'evolution') ?? instances[0]);
  if (!inst) {
    throw new CommandError(
      wanted
        ? `tenant ${tenant} has no evolution instance or cloud number "${wanted}"`
        : `tenant ${tenant} has no evolution instance or cloud number (add one with: newton instance add ${tenant} --provider evolution --instance NAME, or --provider cloud --phone-number-id PHONE_NUMBER_ID …; see newton instance add --help)`,
    );
  }
  const synthetic = syntheticInbound(inst, {
    from: { phone: from },
    text,
    name: str(values, 'name') ?? null,
    origin: 'newton-simulate',
  });
  if (!synthetic.ok) throw new CommandError(synthetic.reason);
  const { path, headers, body } = synthetic.request;
  const base = ctx.serverUrl(str(values, 'url'));
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  } catch (err) {
    throw new CommandError(`cannot reach the server at ${base} (${(err as Error).message}); is it running?`);
  }
  const answer = await res.text();
  ctx.out(answer);
  if (!res.ok) throw new CommandError(`the server answered ${res.status}`);
  return 0;
}
