import { EventEmitter } from 'node:events';
import { IncomingHttpHeaders, Server } from 'node:http';
import { ExecutionArgs, getOperationAST, GraphQLError, parse, subscribe } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { Extra, useServer } from 'graphql-ws/use/ws';
import { Gauge } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { GatewayApp } from '../app';
import { Config } from '../config';
import { badRequest, formatSocketError, parseFailed } from '../graphql/errors';
import { checkLimits, measureOperation } from '../graphql/query-cost';
import { gatewaySchema } from '../schema';
import { originAllowed } from '../web/cors';
import { SubscriptionHub } from './subscription-hub';
import { SubscriptionContext } from './subscription.resolver';

export interface SubscriptionOptions {
  /** Milliseconds between pings; a socket that has not answered by the next one is dropped. */
  keepAliveMs?: number;
  /** Changes one subscriber may have waiting before the oldest is dropped. */
  queueLimit?: number;
  /**
   * Milliseconds between checks that an open socket's key is still valid; a revoked key's socket is closed.
   */
  recheckKeyMs?: number;
}

export interface SubscriptionServer {
  hub: SubscriptionHub;
  webSockets: WebSocketServer;
  /** Closes every socket with 1001 Going away and stops listening for changes. */
  close(): Promise<void>;
}

/** As for HTTP requests: a document of more tokens is refused before it is parsed whole. */
const PARSE_OPTIONS = { maxTokens: 10_000 };

/** Subscriptions one socket may hold at once; each holds a queue. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 50;

/** The query limits HTTP requests meet before they run, for subscriptions over the socket. */
function overLimits(args: ExecutionArgs, config: Config): GraphQLError | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return null;
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  try {
    checkLimits(args.document, measureOperation(args.schema, args.document, operation, variables), config);
    return null;
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/**
 * Kept per socket beside graphql-ws's own: the Authorization value it authenticated with, and the timer
 * re-checking it.
 */
type SocketExtra = { authorization?: string; recheck?: NodeJS.Timeout };

/**
 * Serves the contract's subscriptions over WebSocket on /graphql (graphql-ws protocol) beside the
 * HTTP app on the same server. The API key comes in connectionParams.authorization ("Bearer <key>")
 * or in the upgrade request's Authorization header; a bad or revoked key closes the socket with
 * 4403 and the reason.
 */
export function attachSubscriptions(
  httpServer: Server,
  gateway: GatewayApp,
  options: SubscriptionOptions = {},
): SubscriptionServer {
  const events = gateway.services.events;
  if (!(events instanceof EventEmitter))
    throw new Error('subscriptions need events that can be listened to (LocalEvents or RedisEvents)');
  const hub = new SubscriptionHub(events, gateway.dataSource, options.queueLimit);
  const webSockets = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: 64 * 1024,
    // WebSockets have no CORS: a browser's upgrade from another origin than CORS_ORIGINS is refused (403).
    verifyClient: (
      { origin, req }: { origin?: string; req: { headers: IncomingHttpHeaders } },
      done: (allowed: boolean, status?: number, message?: string) => void,
    ) =>
      originAllowed(origin || undefined, req.headers, gateway.config.corsOrigins)
        ? done(true)
        : done(false, 403, 'Origin not allowed: add it to CORS_ORIGINS'),
  });

  // One subscription server per app in production; a second attachment (tests) takes the gauge over.
  gateway.metrics.registry.removeSingleMetric('gateway_subscriptions_open');
  new Gauge({
    name: 'gateway_subscriptions_open',
    help: 'Open GraphQL subscriptions on this instance',
    registers: [gateway.metrics.registry],
    collect() {
      this.set(hub.size);
    },
  });

  const production = gateway.config.nodeEnv === 'production';

  const forbid = (socket: Extra['socket'], error: GraphQLError) =>
    socket.close(CloseCode.Forbidden, `Forbidden: ${error.message}`.slice(0, 120));

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
        const authorization = authorizationOf(ctx.connectionParams, ctx.extra);
        try {
          await gateway.contextFor(authorization);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          forbid(ctx.extra.socket, error);
          return false;
        }
        const socket = ctx.extra.socket;
        if (socket.readyState !== socket.OPEN) return false;
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
      },
      onSubscribe: (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [
            badRequest(
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
      // Queries and mutations go over HTTP, where they are costed and rate limited.
      execute: () => ({
        errors: [badRequest('Queries and mutations are served over HTTP: POST /graphql')],
      }),
      subscribe: (args) => {
        const refusal = overLimits(args, gateway.config);
        return refusal ? { errors: [refusal] } : subscribe(args);
      },
      // Each subscription authenticates again, so a key revoked since the connection opened starts nothing
      // new.
      context: async (ctx): Promise<SubscriptionContext> => ({
        ...(await gateway.contextFor(ctx.extra.authorization)),
        hub,
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
    async close() {
      await server.dispose();
      hub.close();
    },
  };
}
