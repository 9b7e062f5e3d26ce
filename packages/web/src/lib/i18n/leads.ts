/**
 * Words of the thread entries that are no customer text (#13): calls and
 * WhatsApp's own notices. Spread into both dictionaries (en.ts, es.ts).
 */
export const enLeads = {
  'kind.call': 'call',
  'kind.system': 'notice',
  'call.missed': 'Missed voice call',
  'call.missed_video': 'Missed video call',
  'call.answered': 'Voice call',
  'call.answered_video': 'Video call',
  'call.rejected': 'Declined voice call',
  'call.rejected_video': 'Declined video call',
  'system.changed_number': 'Changed their number to {new}',
  'lead.picture': 'Profile picture of {name}',
};

export const esLeads: Record<keyof typeof enLeads, string> = {
  'kind.call': 'llamada',
  'kind.system': 'aviso',
  'call.missed': 'Llamada de voz perdida',
  'call.missed_video': 'Videollamada perdida',
  'call.answered': 'Llamada de voz',
  'call.answered_video': 'Videollamada',
  'call.rejected': 'Llamada de voz rechazada',
  'call.rejected_video': 'Videollamada rechazada',
  'system.changed_number': 'Cambió su número a {new}',
  'lead.picture': 'Foto de perfil de {name}',
};
