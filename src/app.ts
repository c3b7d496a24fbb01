import 'reflect-metadata';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import express from 'express';
import { DataSource } from 'typeorm';
import { Config } from './config';
import { Context } from './context';
import {
  formatError,
  retryableError,
  tryAgainResponse,
  tryAgainStatusPlugin,
  unauthenticated,
  unknownKey,
} from './graphql/errors';
import { compiledExecution } from './graphql/compiled-execution';
import { stringifyResult } from './graphql/result-json';
import { documentShapeRule, PARSE_OPTIONS, queryLimitsPlugin } from './graphql/query-cost';
import { Loaders } from './loaders';
import { Metrics } from './metrics';
import { recordCode, recordedContext, requestLog, requestRecordPlugin } from './request-log';
import { inputTextPlugin } from './graphql/input-text';
import { httpErrorHandler, LateWork, withDeadline } from './http-errors';
import { ReadinessProbe } from './db/readiness';
import { gatewaySchema } from './schema';
import { startIdempotencyCleanup } from './idempotency/idempotency.service';
import { createServices, Services } from './services';
import { closeEvents, openEvents } from './subscriptions/redis-events';
import { createRateLimiter, RateLimiter } from './auth/rate-limiter';
import { exportRouter } from './export/export.route';
import { cors } from './web/cors';
import { dashboardRouter } from './web/dashboard.route';
import { graphiqlRouter } from './web/graphiql.route';
import { Clock, systemClock } from './time';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';

export interface GatewayApp {
  app: express.Express;
  dataSource: DataSource;
  config: Config;
  apollo: ApolloServer<Context>;
  services: Services;
  metrics: Metrics;
  /** The one rate-limit bucket per API key that requests, exports and subscriptions spend from. */
  limiter: RateLimiter;
  /** Sends the webhook outbox; started here, stopped by stop(). */
  webhookDispatcher: WebhookDispatcher;
  /** Builds the context of one request or subscription from its Authorization value. */
  contextFor(authorization: string | undefined): Promise<Context>;
  /** GraphQL requests answered at their deadline whose work still runs (`idle()` waits for it). */
  lateWork: LateWork;
  stop(): Promise<void>;
}

/** The HTTP app (no listen): GraphQL on /graphql, health, readiness and metrics. Tests use it directly. */
export async function createApp(
  dataSource: DataSource,
  config: Config,
  extraPlugins: ApolloServerPlugin<Context>[] = [],
  clock: Clock = systemClock,
): Promise<GatewayApp> {
  const production = config.nodeEnv === 'production';
  const events = await openEvents(config);
  const services = createServices(dataSource, config, events, clock);
  const metrics = new Metrics();
  // One bucket per key for GraphQL and the CSV exports alike.
  const limiter = createRateLimiter(config);
  const webhookDispatcher = new WebhookDispatcher(dataSource, {
    allowPrivateUrls: config.webhookAllowPrivateUrls,
    metrics,
    clock,
  });
  services.webhooks.onDue = () => webhookDispatcher.wake();
  webhookDispatcher.start();
  // Idempotency keys older than 48 hours are deleted every 10 minutes, in batches.
  const keyCleanup = startIdempotencyCleanup(dataSource, { clock });

  const contextFor = async (authorization: string | undefined): Promise<Context> => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw unauthenticated('Send an API key as "Authorization: Bearer <key>"');
    let principal;
    try {
      principal = await services.apiKeys.authenticate(match[1]);
    } catch (error) {
      // A database that is down or busy: TRY_AGAIN with its HTTP 503, not a failed context (500).
      throw retryableError(error) ?? error;
    }
    if (!principal) throw unknownKey();
    return { principal, loaders: new Loaders(dataSource), services };
  };

  const apollo = new ApolloServer<Context>({
    // graphql-jit executes the schema's operations (src/graphql/compiled-execution.ts).
    gateway: compiledExecution(gatewaySchema()),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    csrfPrevention: true,
    // src/index.ts stops everything on SIGTERM/SIGINT in order; Apollo's own handler would race it and hang.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    formatError: (formatted, error) => formatError(formatted, error, production),
    // Kept dashboard answers are serialised once (src/graphql/result-json.ts).
    stringifyResult,
    parseOptions: PARSE_OPTIONS,
    // The document's shape (operations, aliases, fields) is checked before graphql-js's rules walk it.
    validationRules: [documentShapeRule],
    // No @cacheControl hints are used: the default cache-control plugin would only add a hook to every field
    // resolved.
    plugins: [
      inputTextPlugin(),
      queryLimitsPlugin(config, limiter),
      requestRecordPlugin(),
      tryAgainStatusPlugin(),
      ...(services.dashboard.answers ? [services.dashboard.answers.plugin()] : []),
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing page loads from a CDN; the self-hosted GraphiQL (src/web) takes its place.
      ApolloServerPluginLandingPageDisabled(),
      ...extraPlugins,
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // No ETags: express would hash every GraphQL answer, and nothing revalidates a POST. Static files
  // (src/web/static-files.ts) are revalidated by their Last-Modified.
  app.set('etag', false);
  app.use(requestLog(metrics));
  app.use(cors(config.corsOrigins));
  // GraphiQL first: it sends a browser's GET /graphql to its page.
  if (config.graphiql) app.use(graphiqlRouter());
  // GraphQL before the other routes: its requests, nearly all of them, then pass no other route's match.
  const lateWork = new LateWork();
  app.use(
    '/graphql',
    express.json({ limit: '256kb' }),
    withDeadline(
      expressMiddleware(apollo, {
        context: ({ req }) => recordedContext(req, () => contextFor(req.headers.authorization)),
      }),
      config.responseTimeoutMs,
      lateWork,
      (req, res) => {
        const answer = tryAgainResponse('deadline');
        recordCode(req, 'TRY_AGAIN');
        res.status(answer.status).set('retry-after', answer.retryAfter).json(answer.body);
      },
    ),
  );
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const readiness = new ReadinessProbe(dataSource);
  app.get('/ready', async (_req, res) => {
    if (await readiness.check()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'database unreachable' });
  });
  app.get('/metrics', async (_req, res) => {
    const pool = (
      dataSource.driver as unknown as {
        pool?: { _allConnections?: { length: number }; _freeConnections?: { length: number } };
      }
    ).pool;
    if (pool?._allConnections) {
      metrics.poolSize.set(pool._allConnections.length);
      metrics.poolInUse.set(pool._allConnections.length - (pool._freeConnections?.length ?? 0));
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(exportRouter(dataSource, services, limiter));
  app.use(dashboardRouter());
  app.use(httpErrorHandler);

  const stop = async () => {
    await webhookDispatcher.stop();
    await apollo.stop();
    await keyCleanup.stop();
    await closeEvents(events);
  };
  return {
    app,
    dataSource,
    config,
    apollo,
    services,
    metrics,
    limiter,
    webhookDispatcher,
    contextFor,
    lateWork,
    stop,
  };
}
