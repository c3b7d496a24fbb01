import { AddressInfo, connect, Socket } from 'node:net';
import { Server } from 'node:http';
import { createGatewayServer } from '../src/http-server';

/**
 * A client that trickles its headers (slow loris) is cut off once the headers timeout has passed, not at
 * Node's next 30-second connection check. Measured with a 1-second timeout: the client keeps trickling for
 * up to 20 s and must see the server close the socket first.
 */
let server: Server;
let port: number;
beforeAll(async () => {
  server = createGatewayServer((_req, res) => res.end('ok'), { headersTimeoutMs: 1000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function trickle(socket: Socket, untilMs: number): Promise<'closed by the server' | 'still open'> {
  return new Promise((resolve) => {
    let sent = 0;
    socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const timer = setInterval(() => {
      sent += 250;
      if (sent >= untilMs) {
        clearInterval(timer);
        socket.destroy();
        resolve('still open');
      } else socket.write('x');
    }, 250);
    socket.on('close', () => {
      clearInterval(timer);
      resolve('closed by the server');
    });
    socket.on('error', () => undefined);
  });
}

it('cuts off headers that trickle in past the timeout', async () => {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk));
  expect(await trickle(socket, 20_000)).toBe('closed by the server');
  expect(answer).toMatch(/^HTTP\/1.1 408/);
});

it('still answers a client that sends its request at once', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/`);
  expect(await res.text()).toBe('ok');
});
