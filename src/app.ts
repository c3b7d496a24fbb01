import 'reflect-metadata';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import express from 'express';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DataSource } from 'typeorm';
import { Config } from './config';
import { Context } from './context';
import { unauthenticated } from './graphql/errors';
import { queryLimitsPlugin } from './graphql/query-cost';
import { Loaders } from './loaders';
import { logger } from './logger';
import { Metrics } from './metrics';
import { httpErrorHandler, responseTimeout } from './http-errors';
import { gatewaySchema } from './schema';
import { createServices, Services } from './services';
import { closeEvents, openEvents } from './subscriptions/redis-events';

const KNOWN_CODES = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INSUFFICIENT_STOCK',
  'INVALID_STATE',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

interface ValidationIssue {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationIssue[];
}

/** The first failing field of a class-validator result, as a dotted path, with its message. */
function firstIssue(issues: ValidationIssue[], prefix = ''): { field: string; message: string } | null {
  for (const issue of issues) {
    const path = prefix ? `${prefix}.${issue.property}` : issue.property;
    if (issue.constraints) return { field: path, message: Object.values(issue.constraints)[0] };
    const nested = firstIssue(issue.children ?? [], path);
    if (nested) return nested;
  }
  return null;
}

/**
 * The input field a variable that failed coercion names, relative to the variable:
 * `Variable "$input" got invalid value 1.5 at "input.price"; ...` -> "price";
 * `... at "input.lines[0].quantity"; ...` -> "lines.0.quantity", the same dotted path class-validator gives;
 * `...; Field "code" of required type "String!" was not provided.` -> "code".
 */
export function fieldOfVariableError(message: string): string | null {
  const match = /^Variable "\$(\w+)" got invalid value [\s\S]*?(?: at "([^"]+)")?; ([\s\S]*)$/.exec(message);
  if (!match) return null;
  const path = match[2]
    ? match[2]
        .replace(/\[(\d+)\]/g, '.$1')
        .split('.')
        .slice(1)
        .join('.')
    : '';
  const missing = /^Field "(\w+)" (?:of required type|is not defined)/.exec(match[3])?.[1];
  const field = [path, missing].filter(Boolean).join('.');
  return field || match[1];
}

/**
 * Known errors pass with their code; validation errors name the field; anything else is masked and logged.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  production: boolean,
): GraphQLFormattedError {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  const code = formatted.extensions?.code as string | undefined;
  const validationErrors = (original as { extensions?: { validationErrors?: ValidationIssue[] } })?.extensions
    ?.validationErrors;
  if (validationErrors) {
    const issue = firstIssue(validationErrors);
    return {
      message: issue ? `Invalid input: ${issue.message}` : 'Invalid input',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT', field: issue?.field },
    };
  }
  if (code === 'BAD_USER_INPUT' && formatted.extensions?.field === undefined) {
    const field = fieldOfVariableError(formatted.message);
    if (field) formatted = { ...formatted, extensions: { ...formatted.extensions, field } };
  }
  if (code && KNOWN_CODES.has(code) && (original instanceof GraphQLError || !(original instanceof Error))) {
    if (!production) return formatted;
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  logger.error({ err: original, path: formatted.path }, 'unexpected error');
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

export interface GatewayApp {
  app: express.Express;
  dataSource: DataSource;
  config: Config;
  apollo: ApolloServer<Context>;
  services: Services;
  metrics: Metrics;
  /** Builds the context of one request or subscription from its Authorization value. */
  contextFor(authorization: string | undefined): Promise<Context>;
  stop(): Promise<void>;
}

/** The HTTP app (no listen): GraphQL on /graphql, health, readiness and metrics. Tests use it directly. */
export async function createApp(
  dataSource: DataSource,
  config: Config,
  extraPlugins: ApolloServerPlugin<Context>[] = [],
): Promise<GatewayApp> {
  const production = config.nodeEnv === 'production';
  const events = await openEvents(config);
  const services = createServices(dataSource, config, events);
  const metrics = new Metrics();

  const contextFor = async (authorization: string | undefined): Promise<Context> => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw unauthenticated('Send an API key as "Authorization: Bearer <key>"');
    const principal = await services.apiKeys.authenticate(match[1]);
    if (!principal) throw unauthenticated('The API key is unknown or revoked');
    return { principal, loaders: new Loaders(dataSource), services, dataSource };
  };

  const metricsPlugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors)
            metrics.errors.inc({ code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
        async willSendResponse({ operationName }) {
          const operation = operationName ?? 'anonymous';
          metrics.requests.inc({ operation });
          metrics.latency.observe({ operation }, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };

  const apollo = new ApolloServer<Context>({
    schema: gatewaySchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: !production,
    hideSchemaDetailsFromClientErrors: production,
    csrfPrevention: true,
    // src/index.ts stops everything on SIGTERM/SIGINT in order; Apollo's own handler would race it and hang.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    formatError: (formatted, error) => formatError(formatted, error, production),
    parseOptions: { maxTokens: 10_000 },
    // No @cacheControl hints are used: the default cache-control plugin would only add a hook to every field
    // resolved.
    plugins: [
      metricsPlugin,
      queryLimitsPlugin(config),
      ApolloServerPluginCacheControlDisabled(),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
      ...extraPlugins,
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
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
  app.use(
    '/graphql',
    responseTimeout(),
    express.json({ limit: '256kb' }),
    expressMiddleware(apollo, { context: async ({ req }) => contextFor(req.headers.authorization) }),
  );
  app.use(httpErrorHandler);

  const stop = async () => {
    await apollo.stop();
    await closeEvents(events);
  };
  return { app, dataSource, config, apollo, services, metrics, contextFor, stop };
}
