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
