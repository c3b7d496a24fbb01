import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';

export type ReceiverMode = 'ok' | 'fail' | 'hang' | 'close' | 'redirect';

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 that answers each POST as told: 200, 500, never (hangs), by closing the
 * connection, or with a redirect. It keeps every request it got.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  mode: ReceiverMode = 'ok';
  /** How long an 'ok' answer takes. */
  delayMs = 0;
  /** Answers in this order first, then `mode`. */
  readonly script: ReceiverMode[] = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();

  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body });
        const mode = this.script.shift() ?? this.mode;
        if (mode === 'ok')
          setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), this.delayMs);
        else if (mode === 'fail') res.writeHead(500).end('boom');
        else if (mode === 'redirect') res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        else if (mode === 'close') req.socket.destroy();
        // 'hang': never answer.
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  bodies(): any[] {
    return this.received.map((r) => JSON.parse(r.body));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
