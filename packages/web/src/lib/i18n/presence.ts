/**
 * Presence, typing and alerts (#15). Spread into both dictionaries (en.ts, es.ts).
 */
export const enPresence = {
  'presence.online': 'Online',
  'presence.away': 'Away',
  'presence.offline': 'Offline',
  'presence.agents': 'Agents: {list}',
  'presence.none': 'No other agent online',
  'typing.agent': '{name} is typing…',
  'typing.agents': '{names} are typing…',
  'typing.customer': 'typing…',
  'typing.customer_recording': 'recording audio…',
  'notify.on': 'New-message alerts on (sound and notification while this tab is hidden)',
  'notify.off': 'New-message alerts off',
  'notify.denied': 'The browser blocks notifications for this site; only the sound plays',
};

export const esPresence: Record<keyof typeof enPresence, string> = {
  'presence.online': 'En línea',
  'presence.away': 'Ausente',
  'presence.offline': 'Desconectado',
  'presence.agents': 'Agentes: {list}',
  'presence.none': 'Ningún otro agente en línea',
  'typing.agent': '{name} está escribiendo…',
  'typing.agents': '{names} están escribiendo…',
  'typing.customer': 'escribiendo…',
  'typing.customer_recording': 'grabando audio…',
  'notify.on': 'Avisos de mensajes nuevos activados (sonido y notificación con esta pestaña oculta)',
  'notify.off': 'Avisos de mensajes nuevos desactivados',
  'notify.denied': 'El navegador bloquea las notificaciones de este sitio; solo suena el aviso',
};
