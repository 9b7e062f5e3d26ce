/**
 * A small, realistic tenant for the browser tests and the README's screenshots:
 * a few customers with Spanish messages over two days, one with a photo, and
 * replies typed on the business phone (delivered, read).
 */
import { imageMessage, upsertBody } from '@newton/server/testing/evolution-fixtures';
import type { TestNewton } from '@newton/server/testing/harness';

export const INSTANCE = 'tienda-wa';

interface Line {
  from: string;
  name: string;
  text?: string;
  image?: string;
  fromMe?: boolean;
  status?: string;
  minutesAgo: number;
}

/**
 * Posts one Evolution webhook through the real path (with the instance's API key, when it has one),
 * timed `line.minutesAgo` before `at` (epoch ms).
 */
export async function post(
  newton: TestNewton,
  line: Line,
  apikey: string | null = null,
  at = Date.now(),
): Promise<void> {
  const res = await newton.evolution(
    upsertBody({
      instance: INSTANCE,
      sender: null,
      apikey,
      from: line.from,
      pushName: line.fromMe ? 'Tienda Celucambio' : line.name,
      fromMe: line.fromMe ?? false,
      ...(line.status ? { status: line.status } : {}),
      ...(line.image !== undefined ? { message: imageMessage(line.image) } : { text: line.text ?? '' }),
      timestamp: Math.floor(at / 1000) - line.minutesAgo * 60,
    }),
  );
  if (res.status !== 200) throw new Error(`seed webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
}

const DAY = 24 * 60;

export const DEMO: Line[] = [
  {
    from: '573155550101',
    name: 'Jorge Ramírez',
    text: '¿Reciben iPhone 11 con la pantalla rota?',
    minutesAgo: DAY + 300,
  },
  {
    from: '573155550101',
    name: 'Jorge Ramírez',
    fromMe: true,
    status: 'READ',
    text: 'Sí, lo revisamos en tienda y te damos precio al momento.',
    minutesAgo: DAY + 290,
  },
  {
    from: '573209990202',
    name: 'Lucía Fernández',
    text: 'Buenas tardes, ¿a qué hora cierran hoy?',
    minutesAgo: DAY + 60,
  },
  {
    from: '573209990202',
    name: 'Lucía Fernández',
    fromMe: true,
    status: 'DELIVERY_ACK',
    text: 'Hoy cerramos a las 7 p. m. ¡Te esperamos!',
    minutesAgo: DAY + 55,
  },
  { from: '573004443322', name: 'Valentina Ortiz', image: 'Así está la tapa trasera', minutesAgo: 180 },
  {
    from: '573004443322',
    name: 'Valentina Ortiz',
    text: '¿Cuánto me darían por este Galaxy S21?',
    minutesAgo: 179,
  },
  {
    from: '573017778899',
    name: 'Carlos Ruiz',
    text: 'Quiero vender mi celular, ¿cómo funciona?',
    minutesAgo: 95,
  },
  {
    from: '573017778899',
    name: 'Carlos Ruiz',
    fromMe: true,
    status: 'READ',
    text: 'Hola Carlos, nos envías fotos y el modelo, y te hacemos una oferta en minutos.',
    minutesAgo: 90,
  },
  {
    from: '573017778899',
    name: 'Carlos Ruiz',
    text: 'Es un Xiaomi Redmi Note 12, 128 GB, sin rayones.',
    minutesAgo: 88,
  },
  { from: '573001112233', name: 'Ana María Gómez', text: 'Hola, buenos días', minutesAgo: 30 },
  {
    from: '573001112233',
    name: 'Ana María Gómez',
    fromMe: true,
    status: 'READ',
    text: '¡Hola Ana María! ¿En qué te podemos ayudar?',
    minutesAgo: 28,
  },
  {
    from: '573001112233',
    name: 'Ana María Gómez',
    text: 'Tengo un Samsung A54 y quiero cambiarlo por un iPhone 13.',
    minutesAgo: 26,
  },
  {
    from: '573001112233',
    name: 'Ana María Gómez',
    fromMe: true,
    status: 'DELIVERY_ACK',
    text: 'Perfecto. El A54 en buen estado lo recibimos por $750.000 como parte de pago.',
    minutesAgo: 20,
  },
];

/**
 * Creates the tenant and its Evolution instance (pointed at a provider
 * simulator when `sendVia` is given), then posts the demo conversation history,
 * timed relative to `at` (epoch ms; a fixed time gives the same history on every run).
 */
export async function seedTenant(
  newton: TestNewton,
  tenant: string,
  sendVia?: { baseUrl: string; apikey: string },
  at = Date.now(),
): Promise<void> {
  await newton.addTenant(tenant, 'Celucambio');
  await newton.addInstance({
    tenantId: tenant,
    name: INSTANCE,
    ...(sendVia ? { baseUrl: sendVia.baseUrl, apikey: sendVia.apikey } : {}),
  });
  for (const line of DEMO) await post(newton, line, sendVia?.apikey ?? null, at);
}
