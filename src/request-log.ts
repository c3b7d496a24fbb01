import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { Context } from './context';
import { codeOf } from './graphql/errors';
import { requestedCostOf } from './graphql/query-cost';
import { logger } from './logger';
import { Metrics, operationLabel } from './metrics';

/**
 * One access-log line and the metrics of each HTTP request. Every request gets a request id (a sane
 * incoming `x-request-id`, or a new one), returned in the `x-request-id` header and written in its log
 * line with the role (never the key), the operation name, cost, duration and outcome.
 */
interface RequestRecord {
  id: string;
  role?: string;
  operation?: string;
  context?: Context;
  /** Codes of the errors the request answered, in order. */
  codes: string[];
}

/** What an incoming x-request-id may look like to be kept: short, no spaces or control characters. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
/** Longest operation name written to the log. */
const MAX_LOGGED_NAME = 100;

const byRequest = new WeakMap<Request, RequestRecord>();
/** Keyed by the request's loaders: Apollo hands plugins a shallow copy of the context. */
const byLoaders = new WeakMap<object, RequestRecord>();

function operationNameOf(req: Request): string | undefined {
  const body = req.body as { operationName?: unknown } | undefined;
  const name = body?.operationName ?? req.query?.operationName;
  return typeof name === 'string' && name ? name : undefined;
}

/** Express middleware, first of the app: the request id, and on finish the log line and the metrics. */
export function requestLog(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const record: RequestRecord = {
      id: incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID(),
      codes: [],
    };
    byRequest.set(req, record);
    res.set('x-request-id', record.id);
    const path = req.path;
    const graphql = path === '/graphql';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.headersSent ? res.statusCode : 499;
      const outcome =
        record.codes[0] ??
        (status < 400
          ? 'ok'
          : status === 499
            ? 'CLIENT_CLOSED'
            : status >= 500
              ? 'INTERNAL_SERVER_ERROR'
              : 'BAD_REQUEST');
      const operation = (record.operation ?? operationNameOf(req))?.slice(0, MAX_LOGGED_NAME);
      const cost = record.context ? requestedCostOf(record.context) : undefined;
      if (graphql) {
        const label = operationLabel(operation);
        metrics.requests.inc({ operation: label });
        metrics.latency.observe({ operation: label }, seconds);
        for (const code of record.codes.length ? record.codes : outcome === 'ok' ? [] : [outcome])
          metrics.errors.inc({ code });
      }
      logger.info(
        {
          requestId: record.id,
          method: req.method,
          path,
          status,
          role: record.role ?? null,
          operation: operation ?? null,
          cost: cost ?? null,
          durationMs: Math.round(seconds * 10_000) / 10,
          outcome,
        },
        'request',
      );
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}

/** Notes a code the request was answered with outside GraphQL (the response deadline's TRY_AGAIN). */
export function recordCode(req: Request, code: string): void {
  byRequest.get(req)?.codes.push(code);
}

/**
 * Builds a GraphQL request's context and ties it to the request's record: the role, and a refused key
 * counted with its code (UNAUTHENTICATED) though no GraphQL plugin runs for it.
 */
export async function recordedContext(req: Request, build: () => Promise<Context>): Promise<Context> {
  const record = byRequest.get(req);
  try {
    const context = await build();
    if (record) {
      record.role = context.principal.role;
      record.context = context;
      byLoaders.set(context.loaders, record);
    }
    return context;
  } catch (error) {
    record?.codes.push(codeOf(error));
    throw error;
  }
}

/** Notes the operation name and error codes of each GraphQL request in its record. */
export function requestRecordPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const record = byLoaders.get(contextValue.loaders);
      if (!record) return;
      return {
        async didEncounterErrors({ errors, operationName }) {
          if (operationName) record.operation = operationName;
          for (const error of errors) record.codes.push(codeOf(error));
        },
        async willSendResponse({ operationName }) {
          if (operationName) record.operation = operationName;
        },
      };
    },
  };
}
