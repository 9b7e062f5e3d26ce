/**
 * Competitor: a Socket.IO server (WebSocket transport only); every socket
 * joins one room and an event is a room emit: `io.to(room).emit(…)`.
 */
import { Server } from 'socket.io';
import { listen, payload, triggerServer } from './common.js';

const ROOM = 'tenant';
let io: Server | undefined;
const server = triggerServer(
  (n, bytes) => {
    io?.to(ROOM).emit('new_message', payload(n, bytes));
  },
  () => io?.of('/').sockets.size ?? 0,
);
io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  void socket.join(ROOM);
});
listen('socket.io competitor', server, () => {
  io?.close();
});
