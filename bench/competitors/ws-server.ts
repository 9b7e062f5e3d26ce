/**
 * Competitor: a plain `ws` server with a naive broadcast loop — every event
 * is serialised once and sent to every client: `for (c of clients) c.send(json)`.
 */
import { type WebSocket, WebSocketServer } from 'ws';
import { listen, payload, triggerServer } from './common.js';

const clients = new Set<WebSocket>();
const server = triggerServer(
  (n, bytes) => {
    const json = JSON.stringify(payload(n, bytes));
    for (const c of clients) c.send(json);
  },
  () => clients.size,
);
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => clients.delete(ws));
});
listen('ws competitor', server, () => {
  for (const c of clients) c.terminate();
});
