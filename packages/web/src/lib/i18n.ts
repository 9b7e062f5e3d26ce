/**
 * Spanish and English. The default follows the browser's language (Spanish for
 * any `es-*`, English otherwise); a choice in the header is remembered in
 * localStorage. `$t('key', { n: 3 })` fills `{n}`.
 */
import { derived, writable } from 'svelte/store';
import { enMessageActs, esMessageActs } from './i18n/message-acts.js';

const en = {
  'app.title': 'Newton inbox',
  'app.skip': 'Skip to conversations',
  'lang.label': 'Language',
  'nav.label': 'Main',
  'nav.inbox': 'Inbox',
  'nav.diagnostics': 'Diagnostics',
  'nav.signout': 'Sign out',
  'login.title': 'Sign in to the inbox',
  'login.intro':
    'Paste an access token (npx newton token <tenant> --role admin), or open the one-time link that newton start printed.',
  'login.token': 'Access token',
  'login.tenant': 'Tenant',
  'login.submit': 'Sign in',
  'login.checking': 'Signing in…',
  'login.exchanging': 'Using the sign-in link…',
  'login.expired': 'Your session expired. Sign in again.',
  'login.unauthorized': 'The server refused the token. Sign in again.',
  'login.forbidden': 'The token has no access to this tenant.',
  'login.signed_out': 'You signed out.',
  'login.error.token_expired': 'This token has expired.',
  'login.error.unauthorized': 'The server does not accept this token.',
  'login.error.invalid_code':
    'This sign-in link was already used or has expired. Restart newton start for a new one, or paste a token.',
  'login.error.network': 'Cannot reach the server.',
  'login.error.tenant_unclear':
    'There is not exactly one tenant to sign in to. Create one with npx newton tenant add <id> (or use the link printed for your tenant), then restart newton start for a new link.',
  'login.error.empty': 'Paste a token first.',
  'conn.open': 'Connected',
  'conn.stale': 'Connected, but nothing heard for {s} s',
  'conn.connecting': 'Connecting…',
  'conn.reconnecting': 'Reconnecting (attempt {attempt}, next try in {s} s)',
  'conn.reconnecting_now': 'Reconnecting (attempt {attempt})…',
  'conn.down': 'Offline: server unreachable (attempt {attempt}, next try in {s} s)',
  'conn.offline': 'Offline: no network',
  'conn.expired': 'Session expired',
  'conn.unauthorized': 'Signed out: token refused',
  'conn.forbidden': 'No access to this tenant',
  'conn.unknown_tenant': 'Unknown tenant',
  'conn.closed': 'Disconnected',
  'conn.reconnecting_short': 'Reconnecting',
  'conn.down_short': 'Offline: server unreachable',
  'conn.stale_short': 'Connected, but not heard from lately',
  'conn.retry_now': 'Reconnect now',
  'conn.last_event': 'Last event: {time}',
  'conn.last_seq': 'Last seq: {seq}',
  'conn.never': 'none yet',
  'conn.signin_again': 'Sign in again',
  'wa.label': 'WhatsApp number',
  'wa.none': 'No WhatsApp number',
  'wa.open': 'WhatsApp connected',
  'wa.down': 'WhatsApp disconnected',
  'wa.down_some': 'WhatsApp: {n} of {total} disconnected',
  'wa.connecting': 'WhatsApp reconnecting…',
  'wa.unchecked': 'WhatsApp: not checked yet',
  'wa.state.open': 'connected',
  'wa.state.close': 'disconnected',
  'wa.state.connecting': 'reconnecting',
  'wa.state.unknown': 'state unknown',
  'wa.state.not_checked': 'not checked yet',
  'wa.banner.close': 'The WhatsApp number {number} has been disconnected since {time} ({ago}).',
  'wa.banner.connecting': 'The WhatsApp number {number} has been reconnecting since {time} ({ago}).',
  'wa.banner.unknown': 'The state of the WhatsApp number {number} has been unknown since {time} ({ago}).',
  'wa.do.qr_required': 'Scan the QR code in Evolution’s manager to connect it again.',
  'wa.do.logged_out':
    'The phone logged out of WhatsApp: reconnect it by scanning a new QR code in Evolution’s manager.',
  'wa.do.replaced':
    'WhatsApp was opened for this number on another device. Scan a new QR code in Evolution’s manager to bring it back.',
  'wa.do.token_invalid':
    'The access token expired or is no longer valid: renew it in Meta and give Newton the new one.',
  'wa.do.account_restricted': 'Meta restricted this WhatsApp account: see Meta’s Business Manager.',
  'wa.do.account_unshared':
    'This WhatsApp account is no longer shared with Newton’s app: share it again in Meta.',
  'wa.do.provider': 'Newton cannot reach the provider: check the instance’s URL and API key.',
  'wa.do.connecting': 'Reconnecting… nothing to do yet.',
  'wa.do.unknown': 'Check the number at its provider.',
  'list.label': 'Conversations',
  'list.search': 'Search name, phone or text',
  'list.search_short': 'Search',
  'list.filter': 'Status',
  'list.filter.all': 'All',
  'list.filter.open': 'Open',
  'list.filter.closed': 'Closed',
  'list.empty': 'No conversations yet. When a customer writes, it appears here.',
  'list.nomatch': 'No conversation matches.',
  'list.more': 'Load more',
  'list.unread': '{n} unread',
  'list.loading': 'Loading conversations…',
  'list.no_phone': 'Hidden number',
  'list.no_name': 'No name',
  'thread.label': 'Messages with {name}',
  'thread.pick': 'Choose a conversation',
  'thread.back': 'Back to conversations',
  'thread.loading': 'Loading messages…',
  'thread.older': 'Loading older messages…',
  'thread.start': 'Start of the conversation',
  'thread.today': 'Today',
  'thread.yesterday': 'Yesterday',
  'thread.not_found': 'This conversation does not exist.',
  'thread.new_messages': 'New messages below',
  'status.pending': 'Sending',
  'status.sent': 'Sent',
  'status.delivered': 'Delivered',
  'status.read': 'Read',
  'status.failed': 'Not delivered',
  'status.retry': 'Retry',
  'status.unsent': 'Not sent',
  'media.load': 'Load {kind}',
  'media.loading': 'Loading…',
  'media.failed': 'Could not load the file ({code})',
  'media.download': 'Download',
  'kind.image': 'image',
  'kind.video': 'video',
  'kind.document': 'document',
  'kind.audio': 'audio',
  'kind.voice': 'voice note',
  'kind.sticker': 'sticker',
  'kind.location': 'location',
  'kind.contact': 'contact',
  'kind.reaction': 'reaction',
  'kind.unsupported': 'A message this inbox cannot show',
  'reply.label': 'Reply',
  'reply.placeholder': 'Write a reply',
  'reply.hint': 'Enter sends, Shift+Enter adds a line',
  'reply.send': 'Send',
  'reply.closed': 'This conversation is closed.',
  'reply.reply_window_closed':
    'WhatsApp allows free-form replies only within 24 h of the customer’s last message.',
  'reply.cannot_reply': 'This conversation cannot be replied to.',
  'reply.unavailable': 'Replies are not available on this server.',
  'reply.send_not_configured':
    'Replies are not set up for this WhatsApp number: its instance needs the provider URL and API key (newton instance add … --url … --apikey …).',
  'reply.offline': 'Not connected: your reply will be sent when the server answers.',
  'diag.title': 'Diagnostics',
  'diag.intro': 'The doctor’s view of this tenant: every hop from webhook to socket.',
  'diag.refresh': 'Check again',
  'diag.checked': 'Checked {time} on {node}',
  'diag.ok': 'All hops work',
  'diag.fail': 'A hop is failing',
  'diag.hops': 'Hops',
  'diag.unroutable': 'Unroutable webhooks',
  'diag.unroutable.none': 'None recently.',
  'diag.sockets': 'Sockets',
  'diag.col.time': 'Received',
  'diag.col.provider': 'Provider',
  'diag.col.instance': 'Instance',
  'diag.col.reason': 'Reason',
  'diag.col.trace': 'Trace id',
  'diag.col.node': 'Node',
  'diag.col.count': 'Sockets',
  'diag.col.users': 'Users',
  'diag.col.last': 'Last frame',
  'diag.admin_only': 'Diagnostics are for admins.',
  'diag.unavailable': 'This server has no diagnostics endpoint yet.',
  'diag.status.pass': 'Passed',
  'diag.status.warn': 'Worth a look',
  'diag.status.fail': 'Failing',
  'diag.status.skip': 'Not checked',
  'diag.hop.tenant': 'Tenant exists',
  'diag.hop.instances': 'Instances and numbers',
  'diag.hop.webhooks': 'Webhooks arriving',
  'diag.hop.unroutable': 'Webhooks routed elsewhere',
  'diag.hop.bus': 'Bus round trip',
  'diag.hop.sockets': 'Sockets connected',
  'diag.hop.upstream': 'Provider connection and webhook',
  'diag.probe': 'End-to-end probe',
  'diag.probe.intro':
    'Sends a test message through the real webhook path; it reaches only this page (the diagnostics channel), never the inbox, and is removed afterwards.',
  'diag.probe.run': 'Send a probe',
  'diag.probe.waiting': 'Waiting for the probe…',
  'diag.probe.ok': 'The probe reached this page in {ms} ms (stored by {node}).',
  'diag.probe.fail': 'The probe did not arrive: {reason}',
  'diag.probe.timeout': 'no message on this page within 10 s',
  'error.generic': 'Something went wrong: {message}',
  ...enMessageActs,
};

export type MessageKey = keyof typeof en;

const es: Record<MessageKey, string> = {
  'app.title': 'Bandeja de Newton',
  'app.skip': 'Ir a las conversaciones',
  'lang.label': 'Idioma',
  'nav.label': 'Principal',
  'nav.inbox': 'Bandeja',
  'nav.diagnostics': 'Diagnóstico',
  'nav.signout': 'Cerrar sesión',
  'login.title': 'Entrar a la bandeja',
  'login.intro':
    'Pega un token de acceso (npx newton token <tenant> --role admin) o abre el enlace de un solo uso que imprimió newton start.',
  'login.token': 'Token de acceso',
  'login.tenant': 'Cuenta',
  'login.submit': 'Entrar',
  'login.checking': 'Entrando…',
  'login.exchanging': 'Usando el enlace de acceso…',
  'login.expired': 'Tu sesión expiró. Vuelve a entrar.',
  'login.unauthorized': 'El servidor rechazó el token. Vuelve a entrar.',
  'login.forbidden': 'El token no tiene acceso a esta cuenta.',
  'login.signed_out': 'Cerraste la sesión.',
  'login.error.token_expired': 'Este token ya expiró.',
  'login.error.unauthorized': 'El servidor no acepta este token.',
  'login.error.invalid_code':
    'Este enlace ya se usó o expiró. Reinicia newton start para obtener otro, o pega un token.',
  'login.error.network': 'No se puede contactar al servidor.',
  'login.error.tenant_unclear':
    'No hay exactamente una cuenta para entrar. Crea una con npx newton tenant add <id> (o usa el enlace impreso para tu cuenta) y reinicia newton start para obtener otro enlace.',
  'login.error.empty': 'Primero pega un token.',
  'conn.open': 'Conectado',
  'conn.stale': 'Conectado, pero sin noticias desde hace {s} s',
  'conn.connecting': 'Conectando…',
  'conn.reconnecting': 'Reconectando (intento {attempt}, próximo en {s} s)',
  'conn.reconnecting_now': 'Reconectando (intento {attempt})…',
  'conn.down': 'Sin conexión: servidor inalcanzable (intento {attempt}, próximo en {s} s)',
  'conn.offline': 'Sin conexión: no hay red',
  'conn.expired': 'Sesión expirada',
  'conn.unauthorized': 'Sesión cerrada: token rechazado',
  'conn.forbidden': 'Sin acceso a esta cuenta',
  'conn.unknown_tenant': 'Cuenta desconocida',
  'conn.closed': 'Desconectado',
  'conn.reconnecting_short': 'Reconectando',
  'conn.down_short': 'Sin conexión: servidor inalcanzable',
  'conn.stale_short': 'Conectado, pero sin noticias recientes',
  'conn.retry_now': 'Reconectar ahora',
  'conn.last_event': 'Último evento: {time}',
  'conn.last_seq': 'Último seq: {seq}',
  'conn.never': 'ninguno aún',
  'conn.signin_again': 'Volver a entrar',
  'wa.label': 'Número de WhatsApp',
  'wa.none': 'Sin número de WhatsApp',
  'wa.open': 'WhatsApp conectado',
  'wa.down': 'WhatsApp desconectado',
  'wa.down_some': 'WhatsApp: {n} de {total} desconectados',
  'wa.connecting': 'WhatsApp reconectando…',
  'wa.unchecked': 'WhatsApp: sin revisar aún',
  'wa.state.open': 'conectado',
  'wa.state.close': 'desconectado',
  'wa.state.connecting': 'reconectando',
  'wa.state.unknown': 'estado desconocido',
  'wa.state.not_checked': 'sin revisar aún',
  'wa.banner.close': 'El número de WhatsApp {number} está desconectado desde el {time} ({ago}).',
  'wa.banner.connecting': 'El número de WhatsApp {number} está reconectando desde el {time} ({ago}).',
  'wa.banner.unknown': 'El estado del número de WhatsApp {number} es desconocido desde el {time} ({ago}).',
  'wa.do.qr_required': 'Escanea el código QR en el manager de Evolution para volver a conectarlo.',
  'wa.do.logged_out':
    'El teléfono cerró la sesión de WhatsApp: vuelve a conectarlo escaneando un nuevo código QR en el manager de Evolution.',
  'wa.do.replaced':
    'WhatsApp se abrió para este número en otro dispositivo. Escanea un nuevo código QR en el manager de Evolution para recuperarlo.',
  'wa.do.token_invalid':
    'El token de acceso expiró o ya no es válido: renuévalo en Meta y dale el nuevo a Newton.',
  'wa.do.account_restricted': 'Meta restringió esta cuenta de WhatsApp: revisa el Business Manager de Meta.',
  'wa.do.account_unshared':
    'Esta cuenta de WhatsApp ya no está compartida con la app de Newton: vuelve a compartirla en Meta.',
  'wa.do.provider': 'Newton no logra contactar al proveedor: revisa la URL y la API key de la instancia.',
  'wa.do.connecting': 'Reconectando… por ahora no hay nada que hacer.',
  'wa.do.unknown': 'Revisa el número en su proveedor.',
  'list.label': 'Conversaciones',
  'list.search': 'Buscar nombre, teléfono o texto',
  'list.search_short': 'Buscar',
  'list.filter': 'Estado',
  'list.filter.all': 'Todas',
  'list.filter.open': 'Abiertas',
  'list.filter.closed': 'Cerradas',
  'list.empty': 'Aún no hay conversaciones. Cuando un cliente escriba, aparecerá aquí.',
  'list.nomatch': 'Ninguna conversación coincide.',
  'list.more': 'Cargar más',
  'list.unread': '{n} sin leer',
  'list.loading': 'Cargando conversaciones…',
  'list.no_phone': 'Número oculto',
  'list.no_name': 'Sin nombre',
  'thread.label': 'Mensajes con {name}',
  'thread.pick': 'Elige una conversación',
  'thread.back': 'Volver a las conversaciones',
  'thread.loading': 'Cargando mensajes…',
  'thread.older': 'Cargando mensajes anteriores…',
  'thread.start': 'Inicio de la conversación',
  'thread.today': 'Hoy',
  'thread.yesterday': 'Ayer',
  'thread.not_found': 'Esta conversación no existe.',
  'thread.new_messages': 'Mensajes nuevos abajo',
  'status.pending': 'Enviando',
  'status.sent': 'Enviado',
  'status.delivered': 'Entregado',
  'status.read': 'Leído',
  'status.failed': 'No entregado',
  'status.retry': 'Reintentar',
  'status.unsent': 'No enviado',
  'media.load': 'Cargar {kind}',
  'media.loading': 'Cargando…',
  'media.failed': 'No se pudo cargar el archivo ({code})',
  'media.download': 'Descargar',
  'kind.image': 'imagen',
  'kind.video': 'video',
  'kind.document': 'documento',
  'kind.audio': 'audio',
  'kind.voice': 'nota de voz',
  'kind.sticker': 'sticker',
  'kind.location': 'ubicación',
  'kind.contact': 'contacto',
  'kind.reaction': 'reacción',
  'kind.unsupported': 'Un mensaje que esta bandeja no puede mostrar',
  'reply.label': 'Responder',
  'reply.placeholder': 'Escribe una respuesta',
  'reply.hint': 'Enter envía, Shift+Enter agrega una línea',
  'reply.send': 'Enviar',
  'reply.closed': 'Esta conversación está cerrada.',
  'reply.reply_window_closed':
    'WhatsApp solo permite respuestas libres dentro de las 24 h siguientes al último mensaje del cliente.',
  'reply.cannot_reply': 'No se puede responder a esta conversación.',
  'reply.unavailable': 'Este servidor aún no permite responder.',
  'reply.send_not_configured':
    'Las respuestas no están configuradas para este número de WhatsApp: su instancia necesita la URL y la API key del proveedor (newton instance add … --url … --apikey …).',
  'reply.offline': 'Sin conexión: tu respuesta se enviará cuando el servidor responda.',
  'diag.title': 'Diagnóstico',
  'diag.intro': 'La vista del doctor para esta cuenta: cada tramo del webhook al socket.',
  'diag.refresh': 'Revisar de nuevo',
  'diag.checked': 'Revisado {time} en {node}',
  'diag.ok': 'Todos los tramos funcionan',
  'diag.fail': 'Un tramo falla',
  'diag.hops': 'Tramos',
  'diag.unroutable': 'Webhooks sin destino',
  'diag.unroutable.none': 'Ninguno recientemente.',
  'diag.sockets': 'Sockets',
  'diag.col.time': 'Recibido',
  'diag.col.provider': 'Proveedor',
  'diag.col.instance': 'Instancia',
  'diag.col.reason': 'Motivo',
  'diag.col.trace': 'Trace id',
  'diag.col.node': 'Nodo',
  'diag.col.count': 'Sockets',
  'diag.col.users': 'Usuarios',
  'diag.col.last': 'Último frame',
  'diag.admin_only': 'El diagnóstico es solo para administradores.',
  'diag.unavailable': 'Este servidor aún no tiene diagnóstico.',
  'diag.status.pass': 'Correcto',
  'diag.status.warn': 'Conviene revisarlo',
  'diag.status.fail': 'Falla',
  'diag.status.skip': 'Sin revisar',
  'diag.hop.tenant': 'La cuenta existe',
  'diag.hop.instances': 'Instancias y números',
  'diag.hop.webhooks': 'Llegada de webhooks',
  'diag.hop.unroutable': 'Webhooks enviados a otro destino',
  'diag.hop.bus': 'Ida y vuelta por el bus',
  'diag.hop.sockets': 'Sockets conectados',
  'diag.hop.upstream': 'Conexión con el proveedor y webhook',
  'diag.probe': 'Prueba de punta a punta',
  'diag.probe.intro':
    'Envía un mensaje de prueba por el camino real del webhook; solo llega a esta página (el canal de diagnóstico), nunca a la bandeja, y después se borra.',
  'diag.probe.run': 'Enviar una prueba',
  'diag.probe.waiting': 'Esperando la prueba…',
  'diag.probe.ok': 'La prueba llegó a esta página en {ms} ms (guardada por {node}).',
  'diag.probe.fail': 'La prueba no llegó: {reason}',
  'diag.probe.timeout': 'ningún mensaje en esta página en 10 s',
  'error.generic': 'Algo salió mal: {message}',
  ...esMessageActs,
};

export type Locale = 'es' | 'en';
const DICTS: Record<Locale, Record<MessageKey, string>> = { en, es };
const KEY = 'newton.locale';

/** The browser globals this module reads (typed here so it also compiles without the DOM library). */
const env = globalThis as {
  localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator?: { language?: string; languages?: readonly string[] };
};

/** The browser's preference: Spanish for any `es-*`, English otherwise. */
export function browserLocale(languages: readonly string[] | undefined): Locale {
  for (const l of languages ?? []) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'es') return 'es';
    if (base === 'en') return 'en';
  }
  return 'en';
}

function initial(): Locale {
  const saved = env.localStorage?.getItem(KEY);
  if (saved === 'es' || saved === 'en') return saved;
  const nav = env.navigator;
  return browserLocale(nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : undefined);
}

export const locale = writable<Locale>(initial());

export function setLocale(l: Locale): void {
  env.localStorage?.setItem(KEY, l);
  locale.set(l);
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `$t('conn.reconnecting', { attempt: 2, s: 4 })`. */
export const t = derived(locale, (l): Translate => {
  const dict = DICTS[l];
  return (key, vars) => {
    let text = dict[key] ?? en[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
});
