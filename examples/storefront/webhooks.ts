import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the gateway POSTs (DESIGN.md, Webhooks). */
export interface WebhookEvent {
  id: string;
  type: 'ORDER_STATUS_CHANGED' | 'STOCK_LOW' | 'LOT_HELD';
  occurredAt: string;
  data: any;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value ?? '');
};

/**
 * True when `x-gaodu-signature` is `sha256=` + hex HMAC-SHA256(secret, "<x-gaodu-timestamp>.<raw body>") and
 * the timestamp is within `toleranceSeconds` of now (an old, replayed request fails). Verify the raw bytes
 * as received, before parsing them.
 */
export function verifySignature(
  secret: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
  nowSeconds = Date.now() / 1000,
  toleranceSeconds = 300,
): boolean {
  const timestamp = header(headers, 'x-gaodu-timestamp');
  if (!secret) return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`,
  );
  const given = Buffer.from(header(headers, 'x-gaodu-signature'));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Delivery ids already handled. In production a table with a unique key, kept a few days. */
export interface SeenDeliveries {
  has(id: string): Promise<boolean> | boolean;
  add(id: string): Promise<void> | void;
}

export interface ReceiverOptions {
  /** Handles one event; throw to answer 500 and have the gateway send it again later. */
  onEvent: (event: WebhookEvent) => Promise<void> | void;
  seen?: SeenDeliveries;
}

/**
 * An HTTP endpoint for the gateway's webhooks: 401 for a bad signature, 200 for an event already handled
 * (the same `x-gaodu-delivery` comes again on every retry and on redelivery), else handles it and answers
 * 200. Answer fast: the gateway waits 10 s at most, then retries.
 */
export class WebhookReceiver {
  readonly seen: SeenDeliveries;
  readonly stats = { handled: 0, duplicates: 0, refused: 0 };
  url = '';
  private readonly server: Server;

  /** @param secret the endpoint's secret, shown once by createWebhookEndpoint (set it once known). */
  constructor(
    public secret: string,
    private readonly options: ReceiverOptions,
  ) {
    const ids = new Set<string>();
    this.seen = options.seen ?? { has: (id) => ids.has(id), add: (id) => void ids.add(id) };
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 1_000_000) req.destroy();
        else chunks.push(chunk);
      });
      req.on('end', () => {
        this.handle(req.headers, Buffer.concat(chunks).toString('utf8')).then(
          (status) => res.writeHead(status).end(),
          () => res.writeHead(500).end(),
        );
      });
    });
  }

  private async handle(headers: IncomingHttpHeaders, rawBody: string): Promise<number> {
    if (!verifySignature(this.secret, headers, rawBody)) {
      this.stats.refused++;
      return 401;
    }
    const id = header(headers, 'x-gaodu-delivery');
    if (await this.seen.has(id)) {
      this.stats.duplicates++;
      return 200;
    }
    await this.options.onEvent(JSON.parse(rawBody) as WebhookEvent);
    await this.seen.add(id);
    this.stats.handled++;
    return 200;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host}:${address.port}/gaodu/webhooks`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
