/**
 * Words of the server-side search under the list's search box (#15 §6).
 * Spread into both dictionaries (en.ts, es.ts).
 */
export const enSearch = {
  'search.messages': 'Messages',
  'search.leads': 'Contacts',
  'search.searching': 'Searching…',
  'search.none': 'No messages found',
  'search.more': 'More results',
  'search.failed': 'Search failed: {message}',
  'search.results_label': 'Search results for “{q}”',
};

export const esSearch: Record<keyof typeof enSearch, string> = {
  'search.messages': 'Mensajes',
  'search.leads': 'Contactos',
  'search.searching': 'Buscando…',
  'search.none': 'No se encontraron mensajes',
  'search.more': 'Más resultados',
  'search.failed': 'La búsqueda falló: {message}',
  'search.results_label': 'Resultados de la búsqueda de «{q}»',
};
