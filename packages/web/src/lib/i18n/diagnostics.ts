/**
 * The Diagnostics page's sentences for each hop (#14): the server writes its
 * hop details and hints in English for operators (`newton doctor`); in
 * another language the page says the same from the report's structured fields
 * with these, so it speaks one language at a time (diagnostics-text.ts).
 * Spread into both dictionaries (en.ts, es.ts).
 */
export const enDiag = {
  'diag.d.tenant.pass': 'The tenant exists; its last event is number {seq}.',
  'diag.d.tenant.fail': 'The tenant does not exist.',
  'diag.d.instances.pass': '{n} instance(s), each with its credentials.',
  'diag.d.instances.warn': 'An instance accepts webhooks without credentials.',
  'diag.d.instances.fail':
    'No instance can take this tenant’s webhooks, or its number belongs to another tenant.',
  'diag.d.upstream.pass': 'Every number is connected at its provider and its webhook points here.',
  'diag.d.upstream.warn': 'A number or its webhook at the provider is worth a look.',
  'diag.d.upstream.fail': 'A number is disconnected at its provider, or its webhook does not point here.',
  'diag.d.webhooks.pass': '{n} webhook(s) in the last {hours} h.',
  'diag.d.webhooks.warn': 'No webhook arrived in the last {hours} h.',
  'diag.d.webhooks.fail': 'An instance’s latest webhooks were rejected (credentials or shape).',
  'diag.d.unroutable.pass': 'No recent unroutable or rejected webhook mentions this tenant.',
  'diag.d.unroutable.fail': '{n} recent webhook(s) mentioning this tenant reached no conversation.',
  'diag.d.bus.pass': 'Round trip through {kind} in {ms} ms; {nodes} node(s) answered.',
  'diag.d.bus.fail': 'The {kind} bus did not carry a message back.',
  'diag.d.sockets.pass': '{n} socket(s) connected, all receiving messages.',
  'diag.d.sockets.warn': 'No socket is connected: no agent is online.',
  'diag.d.sockets.fail': '{deaf} of {n} socket(s) do not receive new messages.',
  'diag.d.skip': 'Not checked: an earlier hop fails.',
  'diag.d.other': 'See the details with the command below.',
  'diag.h.tenant': 'Create the tenant (an administrator, on the server).',
  'diag.h.instances': 'Check the tenant’s instances and their numbers and credentials.',
  'diag.h.upstream': 'Reconnect the number at the provider, or point its webhook at Newton.',
  'diag.h.webhooks': 'Point the provider’s webhook at Newton with the instance’s credentials.',
  'diag.h.unroutable': 'Register the instance under the provider’s name, or fix its number.',
  'diag.h.bus': 'Check that Redis is running and that REDIS_URL reaches it.',
  'diag.h.sockets': 'Fine when nobody is working; otherwise reopen the inbox.',
  'diag.h.command': 'Every detail, for the administrator: {command}',
  'diag.outcome.unroutable': 'no destination',
  'diag.outcome.rejected': 'rejected',
  'diag.outcome.other': 'not delivered',
};

export const esDiag: Record<keyof typeof enDiag, string> = {
  'diag.d.tenant.pass': 'La cuenta existe; su último evento es el número {seq}.',
  'diag.d.tenant.fail': 'La cuenta no existe.',
  'diag.d.instances.pass': '{n} instancia(s), cada una con sus credenciales.',
  'diag.d.instances.warn': 'Una instancia acepta webhooks sin credenciales.',
  'diag.d.instances.fail':
    'Ninguna instancia puede recibir los webhooks de esta cuenta, o su número es de otra cuenta.',
  'diag.d.upstream.pass': 'Cada número está conectado en su proveedor y su webhook apunta aquí.',
  'diag.d.upstream.warn': 'Conviene revisar un número o su webhook en el proveedor.',
  'diag.d.upstream.fail': 'Un número está desconectado en su proveedor, o su webhook no apunta aquí.',
  'diag.d.webhooks.pass': '{n} webhook(s) en las últimas {hours} h.',
  'diag.d.webhooks.warn': 'No llegó ningún webhook en las últimas {hours} h.',
  'diag.d.webhooks.fail': 'Los últimos webhooks de una instancia fueron rechazados (credenciales o formato).',
  'diag.d.unroutable.pass': 'Ningún webhook reciente sin destino o rechazado menciona esta cuenta.',
  'diag.d.unroutable.fail':
    '{n} webhook(s) recientes que mencionan esta cuenta no llegaron a ninguna conversación.',
  'diag.d.bus.pass': 'Ida y vuelta por {kind} en {ms} ms; respondieron {nodes} nodo(s).',
  'diag.d.bus.fail': 'El bus {kind} no devolvió el mensaje.',
  'diag.d.sockets.pass': '{n} socket(s) conectados, todos reciben mensajes.',
  'diag.d.sockets.warn': 'No hay ningún socket conectado: ningún agente está en línea.',
  'diag.d.sockets.fail': '{deaf} de {n} socket(s) no reciben mensajes nuevos.',
  'diag.d.skip': 'Sin revisar: falla un tramo anterior.',
  'diag.d.other': 'Vea el detalle con el comando de abajo.',
  'diag.h.tenant': 'Cree la cuenta (un administrador, en el servidor).',
  'diag.h.instances': 'Revise las instancias de la cuenta, sus números y credenciales.',
  'diag.h.upstream': 'Vuelva a conectar el número en el proveedor, o apunte su webhook a Newton.',
  'diag.h.webhooks': 'Apunte el webhook del proveedor a Newton con las credenciales de la instancia.',
  'diag.h.unroutable': 'Registre la instancia con el nombre que usa el proveedor, o corrija su número.',
  'diag.h.bus': 'Compruebe que Redis está en marcha y que REDIS_URL llega a él.',
  'diag.h.sockets': 'Normal si nadie está trabajando; si no, vuelva a abrir la bandeja.',
  'diag.h.command': 'Todo el detalle, para el administrador: {command}',
  'diag.outcome.unroutable': 'sin destino',
  'diag.outcome.rejected': 'rechazado',
  'diag.outcome.other': 'no entregado',
};
