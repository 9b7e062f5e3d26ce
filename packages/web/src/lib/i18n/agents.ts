/**
 * Words of agents and assignment (#15): the assign menu, the assignee in the
 * list, the list's owner filter. Spread into both dictionaries (en.ts, es.ts).
 */
export const enAgents = {
  'assign.label': 'Assigned to',
  'assign.menu': 'Assign conversation',
  'assign.none': 'Unassigned',
  'assign.me': 'Assign to me',
  'assign.unassign': 'Unassign',
  'assign.you': '{name} (you)',
  'assign.failed': 'Could not assign: {message}',
  'assign.chip': 'Assigned to {name}',
  'list.owner': 'Owner',
  'list.owner.all': 'Everyone',
  'list.owner.mine': 'Mine',
  'list.owner.unassigned': 'Unassigned',
  'msg.sent_by': 'Sent by {name}',
};

export const esAgents: Record<keyof typeof enAgents, string> = {
  'assign.label': 'Asignada a',
  'assign.menu': 'Asignar conversación',
  'assign.none': 'Sin asignar',
  'assign.me': 'Asignármela',
  'assign.unassign': 'Quitar asignación',
  'assign.you': '{name} (tú)',
  'assign.failed': 'No se pudo asignar: {message}',
  'assign.chip': 'Asignada a {name}',
  'list.owner': 'Responsable',
  'list.owner.all': 'Todas',
  'list.owner.mine': 'Mías',
  'list.owner.unassigned': 'Sin asignar',
  'msg.sent_by': 'Enviado por {name}',
};
