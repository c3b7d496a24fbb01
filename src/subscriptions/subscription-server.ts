import { EventEmitter } from 'node:events';
import { IncomingHttpHeaders, Server } from 'node:http';
import { ExecutionArgs, ExecutionResult, getOperationAST, GraphQLError, parse, subscribe } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { Extra, useServer } from 'graphql-ws/use/ws';
import { Gauge } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { GatewayApp } from '../app';
import { Config } from '../config';
import { API_KEYS_REVOKED } from '../events';
import {
  badRequest,
  formatSocketError,
  parseFailed,
  rateLimited,
  tooManySubscriptions,
  unknownKey,
} from '../graphql/errors';
import { checkLimits, measureOperation, REFUSED_REQUEST_COST, validateDocument } from '../graphql/query-cost';
import { gatewaySchema } from '../schema';
import { originAllowed } from '../web/cors';
import { SubscriptionHub } from './subscription-hub';
import { CloseCodes, SocketEntry, SocketFlow, SubscriptionRegistry } from './subscription-limits';
import { SubscriptionContext } from './subscription.resolver';

export interface SubscriptionOptions {
  /** Milliseconds between pings; a socket that has not answered by the next one is dropped. */
  keepAliveMs?: number;
  /** Changes one subscriber may have waiting before the oldest is dropped. */
  queueLimit?: number;
  /**
   * Milliseconds between checks that an open socket's key is still valid, in case a revocation was not heard
   * (Redis away); a revoked key's sockets are closed as soon as the revocation is heard.
   */
  recheckKeyMs?: number;
  /** Milliseconds a socket may stay above SUBSCRIPTION_BUFFER_BYTES unread (default: the configuration's). */
  slowSocketMs?: number;
}

export interface SubscriptionServer {
  hub: SubscriptionHub;
  webSockets: WebSocketServer;
  /** The sockets and subscriptions of this instance by key, with their caps. */
  registry: SubscriptionRegistry;
  /** Closes every socket with 1001 Going away and stops listening for changes. */
  close(): Promise<void>;
}

/** As for HTTP requests: a document of more tokens is refused before it is parsed whole. */
const PARSE_OPTIONS = { maxTokens: 10_000 };

/** Subscriptions one socket may hold at once; each holds a queue. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 50;

/**
 * The query limits HTTP requests meet before they run, for subscriptions over the socket; the cost of the
 * subscription (what it spends when it starts and for each event) when it passes them.
 */
function measureSubscription(
  args: ExecutionArgs,
  config: Config,
): { refusal: GraphQLError | null; cost: number } {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return { refusal: null, cost: REFUSED_REQUEST_COST };
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  const measure = measureOperation(args.schema, args.document, operation, variables);
  try {
    checkLimits(measure, config);
  } catch (error) {
    if (error instanceof GraphQLError) return { refusal: error, cost: measure.cost };
    throw error;
  }
  return { refusal: null, cost: Math.max(1, measure.cost) };
}

/** The result of `subscribe`, with `end` called once when the subscription is over, however it ends. */
function onEnd(
  result: AsyncGenerator<ExecutionResult> | ExecutionResult,
  end: () => void,
): AsyncGenerator<ExecutionResult> | ExecutionResult {
  if (!(Symbol.asyncIterator in result)) {
    end();
    return result;
  }
  let ended = false;
  const once = () => {
    if (ended) return;
    ended = true;
    end();
  };
  const source = result;
  const wrapped = {
    async next() {
      try {
        const next = await source.next();
        if (next.done) once();
        return next;
      } catch (error) {
        once();
        throw error;
      }
    },
    return(value?: unknown) {
      once();
      return source.return(value);
    },
    throw(error?: unknown) {
      once();
      return source.throw(error);
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
  } as AsyncGenerator<ExecutionResult>;
  return wrapped;
}

/** Revoked key ids remembered, so a socket whose key was revoked while it authenticated is still refused. */
const REVOCATIONS_KEPT = 10_000;

/**
 * Kept per socket beside graphql-ws's own: the Authorization value it authenticated with, the timer
 * re-checking it, and its entry in the registry (its key and how far its client is behind).
 */
type SocketExtra = { authorization?: string; recheck?: NodeJS.Timeout; entry?: SocketEntry };

/**
 * Serves the contract's subscriptions over WebSocket on /graphql (graphql-ws protocol) beside the
 * HTTP app on the same server. The API key comes in connectionParams.authorization ("Bearer <key>")
 * or in the upgrade request's Authorization header; a bad or revoked key closes the socket with
 * 4403 and the reason, and so does revoking the key of an open socket, on every instance. Sockets and
 * subscriptions are capped per key and per instance (SubscriptionRegistry); subscriptions spend their
 * cost from the key's rate-limit bucket when they start and for every event; a client that does not read
 * holds its events back (SocketFlow), merged per SKU or order, and is closed if it stays behind.
 */
export function attachSubscriptions(
  httpServer: Server,
  gateway: GatewayApp,
  options: SubscriptionOptions = {},
): SubscriptionServer {
  const events = gateway.services.events;
  if (!(events instanceof EventEmitter))
    throw new Error('subscriptions need events that can be listened to (LocalEvents or RedisEvents)');
  const config = gateway.config;
  const limits = config.subscriptionLimits;
  const hub = new SubscriptionHub(events, gateway.dataSource, options.queueLimit);
  const registry = new SubscriptionRegistry(limits, gateway.limiter, config.rateLimitBucket);
  const webSockets = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: 64 * 1024,
    // WebSockets have no CORS: a browser's upgrade from another origin than CORS_ORIGINS is refused (403).
    verifyClient: (
      { origin, req }: { origin?: string; req: { headers: IncomingHttpHeaders } },
      done: (allowed: boolean, status?: number, message?: string) => void,
    ) =>
      originAllowed(origin || undefined, req.headers, config.corsOrigins)
        ? done(true)
        : done(false, 403, 'Origin not allowed: add it to CORS_ORIGINS'),
  });
  // Before graphql-ws sees it: a socket past the instance's maximum is closed before it can authenticate.
  webSockets.on('connection', (socket) => {
    if (webSockets.clients.size > limits.socketsPerInstance)
      socket.close(
        CloseCodes.instanceFull,
        `Try again later: this server holds its maximum of ${limits.socketsPerInstance} connections`,
      );
  });

  // One subscription server per app in production; a second attachment (tests) takes the gauges over.
  for (const name of ['gateway_subscriptions_open', 'gateway_subscription_sockets_open'])
    gateway.metrics.registry.removeSingleMetric(name);
  new Gauge({
    name: 'gateway_subscriptions_open',
    help: 'Open GraphQL subscriptions on this instance',
    registers: [gateway.metrics.registry],
    collect() {
      this.set(hub.size);
    },
  });
  new Gauge({
    name: 'gateway_subscription_sockets_open',
    help: 'Open subscription WebSockets on this instance',
    registers: [gateway.metrics.registry],
    collect() {
      this.set(webSockets.clients.size);
    },
  });

  const production = config.nodeEnv === 'production';

  const forbid = (socket: Extra['socket'], error: GraphQLError) =>
    socket.close(CloseCode.Forbidden, `Forbidden: ${error.message}`.slice(0, 120));

  // Revocations reach every instance (through Redis when REDIS_URL is set): the key's sockets close at once.
  const revoked = new Set<string>();
  const onRevoked = (keyIds: number[]) => {
    for (const id of keyIds) {
      revoked.add(String(id));
      if (revoked.size > REVOCATIONS_KEPT) revoked.delete(revoked.values().next().value as string);
    }
    for (const entry of registry.socketsOf(keyIds.map(String))) forbid(entry.socket, unknownKey());
  };
  events.on(API_KEYS_REVOKED, onRevoked);

  const slowSocketMs = options.slowSocketMs ?? limits.slowSocketSeconds * 1000;
  const tooSlow = (socket: Extra['socket']) => () =>
    socket.close(
      CloseCodes.tooSlow,
      `Too slow: more than ${limits.bufferBytes} bytes unread for ${slowSocketMs / 1000} s; reconnect and re-read`,
    );

  const authorizationOf = (
    connectionParams: Record<string, unknown> | undefined,
    extra: Extra,
  ): string | undefined => {
    const fromParams = connectionParams?.authorization ?? connectionParams?.Authorization;
    return typeof fromParams === 'string' ? fromParams : extra.request.headers.authorization;
  };

  const server = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema: gatewaySchema(),
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        // Closed already (the instance is full): no key lookup.
        if (socket.readyState !== socket.OPEN) return false;
        const authorization = authorizationOf(ctx.connectionParams, ctx.extra);
        let key: string;
        try {
          key = (await gateway.contextFor(authorization)).principal.keyScope;
          // Revoked while it was being looked up: the lookup may have read the key before the revocation.
          if (revoked.has(key)) throw unknownKey();
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          forbid(socket, error);
          return false;
        }
        if (socket.readyState !== socket.OPEN) return false;
        const entry: SocketEntry = {
          key,
          socket,
          flow: new SocketFlow(
            socket,
            ctx.extra.request.socket,
            limits.bufferBytes,
            slowSocketMs,
            tooSlow(socket),
          ),
        };
        if (!registry.addSocket(entry)) {
          entry.flow.close();
          socket.close(
            CloseCodes.tooManySockets,
            `Too many connections: this API key holds its maximum of ${limits.socketsPerKey} on this server`,
          );
          return false;
        }
        ctx.extra.entry = entry;
        ctx.extra.authorization = authorization;
        ctx.extra.recheck = setInterval(() => {
          gateway.contextFor(authorization).catch((error) => {
            // Only a refused key closes the socket; a database hiccup does not.
            if (error instanceof GraphQLError) forbid(socket, error);
          });
        }, options.recheckKeyMs ?? 60_000);
        ctx.extra.recheck.unref();
        return true;
      },
      onClose: (ctx) => {
        clearInterval(ctx.extra.recheck);
        if (ctx.extra.entry) {
          ctx.extra.entry.flow.close();
          registry.removeSocket(ctx.extra.entry);
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [
            tooManySubscriptions(
              'socket',
              MAX_SUBSCRIPTIONS_PER_SOCKET,
              `A connection may hold at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions; complete one or open another connection`,
            ),
          ];
        }
        // A document that does not parse is answered with an error rather than closing the socket.
        try {
          parse(payload.query, PARSE_OPTIONS);
        } catch (error) {
          return [parseFailed(error instanceof Error ? error.message : String(error))];
        }
        return undefined;
      },
      parse: (source) => parse(source, PARSE_OPTIONS),
      validate: validateDocument,
      // Queries and mutations go over HTTP, where they are costed and rate limited.
      execute: () => ({
        errors: [badRequest('Queries and mutations are served over HTTP: POST /graphql')],
      }),
      subscribe: async (args) => {
        const context = args.contextValue as SubscriptionContext;
        const key = context.principal.keyScope;
        const { refusal, cost } = measureSubscription(args, config);
        const over = refusal ?? registry.addSubscription(key);
        if (over) {
          await gateway.limiter.spend(key, REFUSED_REQUEST_COST);
          return { errors: [over] };
        }
        // Starting costs what the same document costs over HTTP; each event costs it again (the gate).
        const spent = await gateway.limiter.spend(key, cost);
        if (!spent.allowed) {
          registry.releaseSubscription(key);
          return { errors: [rateLimited(spent.retryAfterSeconds)] };
        }
        context.delivery = registry.gate(key, context.socketEntry?.flow, cost);
        let result: Awaited<ReturnType<typeof subscribe>>;
        try {
          result = await subscribe(args);
        } catch (error) {
          registry.releaseSubscription(key);
          throw error;
        }
        return onEnd(result, () => registry.releaseSubscription(key));
      },
      // Each subscription authenticates again, so a key revoked since the connection opened starts nothing
      // new.
      context: async (ctx): Promise<SubscriptionContext> => ({
        ...(await gateway.contextFor(ctx.extra.authorization)),
        hub,
        socketEntry: ctx.extra.entry,
      }),
      // Errors go out as over HTTP: known codes as they are, anything else masked and logged.
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => formatSocketError(error, production, true)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors
          ? { ...result, errors: result.errors.map((error) => formatSocketError(error, production)) }
          : undefined,
    },
    webSockets,
    options.keepAliveMs,
  );

  return {
    hub,
    webSockets,
    registry,
    async close() {
      events.off(API_KEYS_REVOKED, onRevoked);
      await server.dispose();
      hub.close();
      registry.close();
    },
  };
}
