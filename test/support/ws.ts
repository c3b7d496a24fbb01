import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GatewayApp } from '../../src/app';
import {
  attachSubscriptions,
  SubscriptionOptions,
  SubscriptionServer,
} from '../../src/subscriptions/subscription-server';
import { ADMIN_TOKEN } from './test-app';

export interface LiveServer {
  /** ws://127.0.0.1:<port>/graphql */
  url: string;
  http: Server;
  subscriptions: SubscriptionServer;
  close(): Promise<void>;
}

/** Serves a gateway on a loopback port, with its WebSocket subscriptions. */
export async function listen(gateway: GatewayApp, options: SubscriptionOptions = {}): Promise<LiveServer> {
  const http = createServer(gateway.app);
  const subscriptions = attachSubscriptions(http, gateway, options);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    http,
    subscriptions,
    async close() {
      await subscriptions.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * A graphql-ws client sending the key in connectionParams, or in the upgrade request's header with
 * `viaHeader`.
 */
export function wsClient(url: string, token: string | null = ADMIN_TOKEN, viaHeader = false): Client {
  const headers = viaHeader && token ? { authorization: `Bearer ${token}` } : {};
  class HeaderWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url,
    webSocketImpl: HeaderWebSocket,
    connectionParams: token && !viaHeader ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Received<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

export interface LiveSubscription<T = any> {
  /** The next result, in order; rejects with the close event or errors that ended the subscription. */
  next(): Promise<Received<T>>;
  /** How the subscription ended, once it has. */
  ended(): Promise<unknown>;
  stop(): void;
}

/** Subscribes and keeps every result in arrival order. */
export function subscribe<T = any>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  const results: Received<T>[] = [];
  const readers: { resolve(result: Received<T>): void; reject(reason: unknown): void }[] = [];
  let end: { reason: unknown } | null = null;
  let settleEnded: (reason: unknown) => void = () => undefined;
  const endedPromise = new Promise<unknown>((resolve) => {
    settleEnded = resolve;
  });
  const finish = (reason: unknown) => {
    end = { reason };
    settleEnded(reason);
    for (const reader of readers.splice(0)) reader.reject(reason);
  };
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next(result) {
        const reader = readers.shift();
        if (reader) reader.resolve(result as Received<T>);
        else results.push(result as Received<T>);
      },
      error: (error) => finish(error),
      complete: () => finish('complete'),
    },
  );
  return {
    next() {
      const result = results.shift();
      if (result) return Promise.resolve(result);
      if (end) return Promise.reject(end.reason);
      return new Promise((resolve, reject) => readers.push({ resolve, reject }));
    },
    ended: () => endedPromise,
    stop,
  };
}

/** Waits, a bounded number of short turns, until `condition` holds; fails naming `what` otherwise. */
export async function eventually(condition: () => boolean, what: string, turns = 1000): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * A bare graphql-ws socket, to do what the client library never does: stop reading (`pause()`), or keep
 * track of every byte and message it was sent.
 */
export class RawSocket {
  readonly socket: WebSocket;
  /** Every `next` payload, by subscription id, in arrival order. */
  readonly received = new Map<string, Received[]>();
  /** Every error payload, by subscription id. */
  readonly errors = new Map<string, unknown>();
  /** Bytes of the messages read so far. */
  bytes = 0;
  /** The smallest `next` message read, in bytes. */
  smallest = Infinity;
  readonly acked: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, token: string) {
    this.socket = new WebSocket(url, 'graphql-transport-ws');
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    this.acked = new Promise((resolve, reject) => {
      this.socket.on('open', () =>
        this.socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
        ),
      );
      this.socket.on('message', (data: Buffer) => {
        this.bytes += data.length;
        const message = JSON.parse(String(data));
        if (message.type === 'connection_ack') resolve();
        if (message.type === 'next') {
          this.smallest = Math.min(this.smallest, data.length);
          const list = this.received.get(message.id) ?? [];
          list.push(message.payload);
          this.received.set(message.id, list);
        }
        if (message.type === 'error') this.errors.set(message.id, message.payload);
      });
      void this.closed.then(({ code, reason }) => reject(new Error(`closed before ack: ${code} ${reason}`)));
    });
    // A socket refused before its ack is often awaited through `closed` only.
    this.acked.catch(() => undefined);
  }

  async subscribe(id: string, query: string, variables: Record<string, unknown> = {}): Promise<void> {
    await this.acked;
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  /** The results of one subscription so far. */
  results(id: string): Received[] {
    return this.received.get(id) ?? [];
  }

  /** Stops reading: what the server sends waits in its buffers and the network's, and pings go unanswered. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}
