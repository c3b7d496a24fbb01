import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DatabaseFault, databaseFault } from '../db/faults';
import { logger } from '../logger';

/**
 * The one home of error codes: every code the gateway answers, the factory of each, and `formatError`,
 * which passes known codes and masks everything else. Nothing else builds a GraphQLError.
 */
export const ERROR_CODES = [
  // the contract's codes
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INSUFFICIENT_STOCK',
  'INVALID_STATE',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  // a subscription over a cap of its socket, its API key or the instance
  'TOO_MANY_SUBSCRIPTIONS',
  // the database was busy, unreachable or too slow: nothing happened (or, past the response deadline, a
  // commit may have); HTTP 503 with Retry-After, send the same request again (same idempotency key)
  'TRY_AGAIN',
  // raised by Apollo Server and graphql-js before a request runs
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  // the answer to anything unexpected: masked, logged
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** Longest piece of a client's input an error message repeats: a huge argument is not sent back whole. */
export const MAX_ECHOED_INPUT = 100;

/** A client's value as JSON for a message, clipped to MAX_ECHOED_INPUT characters. */
export function echo(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_ECHOED_INPUT ? `${text.slice(0, MAX_ECHOED_INPUT)}…` : text;
}

export interface Shortage {
  skuCode: string;
  requested: number;
  available: number;
}

/**
 * A coded error is an answer to the client, not a fault in the code, and a flash sale answers thousands of
 * INSUFFICIENT_STOCK a second: it is built without capturing a stack trace (never sent in production; the
 * code and message say where it came from). Unexpected errors keep theirs for the log.
 */
export function gatewayError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  const frames = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(message, { extensions: { code, ...extensions } });
  } finally {
    Error.stackTraceLimit = frames;
  }
}

/**
 * An error graphql-jit located for a resolver that threw something other than a GraphQLError, as graphql-js
 * would have built it (with its extensions object, which Apollo Server reads); others pass as they are.
 */
export function asLocatedError(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  const located = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
  });
  return Object.assign(located, { locations: error.locations });
}

export const badInput = (field: string, message: string) =>
  gatewayError('BAD_USER_INPUT', message, { field });
/** BAD_USER_INPUT found before the operation runs (HTTP 400, as for variables of the wrong type). */
export const badInputBeforeRun = (field: string, message: string) =>
  gatewayError('BAD_USER_INPUT', message, { field, http: { status: 400 } });
/**
 * A value a scalar refuses: the field is not known where the value is parsed; formatError names it from
 * graphql-js's message.
 */
export const badValue = (message: string) => gatewayError('BAD_USER_INPUT', message);
export const notFound = (what: string, key: string, field?: string) =>
  gatewayError('NOT_FOUND', `${what} ${echo(key)} was not found`, field ? { field } : {});
export const conflict = (message: string, field?: string) =>
  gatewayError('CONFLICT', message, field ? { field } : {});
export const invalidState = (message: string) => gatewayError('INVALID_STATE', message);
export const forbidden = (message = 'This API key may not do that') => gatewayError('FORBIDDEN', message);
export const unauthenticated = (message: string) =>
  gatewayError('UNAUTHENTICATED', message, { http: { status: 401 } });
export const insufficientStock = (shortages: Shortage[]) =>
  gatewayError('INSUFFICIENT_STOCK', `Not enough stock for ${shortages.map((s) => s.skuCode).join(', ')}`, {
    shortages,
  });
export const tooComplex = (message: string, extensions: Record<string, unknown> = {}) =>
  gatewayError('QUERY_TOO_COMPLEX', message, { ...extensions, http: { status: 400 } });
export const rateLimited = (retryAfterSeconds: number) =>
  gatewayError('RATE_LIMITED', `Rate limit reached for this API key: retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
  });
/** Where a subscription cap is counted: one socket, one API key on this instance, or the whole instance. */
export type SubscriptionScope = 'socket' | 'key' | 'instance';
export const tooManySubscriptions = (scope: SubscriptionScope, limit: number, message: string) =>
  gatewayError('TOO_MANY_SUBSCRIPTIONS', message, { scope, limit });
/** A key that does not (or no longer) authenticate: over HTTP 401, on a socket the reason of 4403. */
export const unknownKey = () => unauthenticated('The API key is unknown or revoked');

/** Seconds a client waits before retrying after each kind of database fault. */
export const RETRY_AFTER_SECONDS: Record<DatabaseFault, number> = { busy: 1, unavailable: 5, deadline: 1 };

const TRY_AGAIN_MESSAGES: Record<DatabaseFault, string> = {
  busy: 'The stock or order you asked for is busy and nothing was changed',
  unavailable: 'The database cannot be reached just now and nothing was changed',
  deadline:
    'The request took too long and was cancelled; if it was a change, its outcome may be unknown: ' +
    'send it again with the same idempotency key, which never applies a change twice',
};

/** TRY_AGAIN for a database fault: HTTP 503 with Retry-After and extensions.retryAfterSeconds. */
export const tryAgain = (fault: DatabaseFault) => {
  const retryAfterSeconds = RETRY_AFTER_SECONDS[fault];
  return gatewayError('TRY_AGAIN', `${TRY_AGAIN_MESSAGES[fault]}: retry in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    http: { status: 503, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
  });
};

/** A TRY_AGAIN answer outside GraphQL execution (the response deadline): status, header and JSON body. */
export function tryAgainResponse(fault: DatabaseFault): {
  status: number;
  retryAfter: string;
  body: { errors: GraphQLFormattedError[] };
} {
  const { http: _http, ...extensions } = tryAgain(fault).toJSON().extensions ?? {};
  return {
    status: 503,
    retryAfter: String(RETRY_AFTER_SECONDS[fault]),
    body: { errors: [{ message: tryAgain(fault).message, extensions }] },
  };
}

/** TRY_AGAIN for an error that is a retryable database fault (src/db/faults.ts), else null. */
export function retryableError(error: unknown): GraphQLError | null {
  const fault = databaseFault((error as { originalError?: unknown })?.originalError ?? error);
  return fault ? tryAgain(fault) : null;
}

/** The code a client is answered for `error`, as formatError gives it (for logs and metrics). */
export function codeOf(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) return code;
  return retryableError(error) ? 'TRY_AGAIN' : 'INTERNAL_SERVER_ERROR';
}

/**
 * HTTP 503 and Retry-After for a response that answers TRY_AGAIN, also when formatError gave that code to a
 * database error (Apollo takes the HTTP status from the errors before formatError runs).
 */
export function tryAgainStatusPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const waits = (response.body.singleResult.errors ?? [])
            .filter((e) => e.extensions?.code === 'TRY_AGAIN')
            .map((e) => Number(e.extensions?.retryAfterSeconds ?? 1));
          if (waits.length === 0) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(Math.max(...waits)));
        },
      };
    },
  };
}

export const badRequest = (message: string) => gatewayError('BAD_REQUEST', message);
export const parseFailed = (message: string) => gatewayError('GRAPHQL_PARSE_FAILED', message);

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
/** Apollo's message for an APQ request whose sha256Hash does not match its query. */
const APQ_HASH_MISMATCH = 'provided sha does not match query';

export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  production: boolean,
): GraphQLFormattedError {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  let code = formatted.extensions?.code as string | undefined;
  // Apollo Server codes every validation error GRAPHQL_VALIDATION_FAILED; one that a rule of the gateway
  // raised with a code of its own (the document's shape: QUERY_TOO_COMPLEX) keeps it.
  const ownCode = original instanceof GraphQLError ? original.extensions?.code : undefined;
  if (code === 'GRAPHQL_VALIDATION_FAILED' && typeof ownCode === 'string' && KNOWN_CODES.has(ownCode)) {
    code = ownCode;
    formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
  }
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
  // Apollo refuses an automatic persisted query whose hash is not the query's with no code of its own.
  if (formatted.message === APQ_HASH_MISMATCH) {
    return {
      message: 'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it',
      extensions: { code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery.sha256Hash' },
    };
  }
  if (code === 'BAD_USER_INPUT' && formatted.extensions?.field === undefined) {
    const field = fieldOfVariableError(formatted.message);
    if (field) formatted = { ...formatted, extensions: { ...formatted.extensions, field } };
  }
  // INTERNAL_SERVER_ERROR is what Apollo gives anything without a code: it is masked below, never passed.
  const passes = code && code !== 'INTERNAL_SERVER_ERROR' && KNOWN_CODES.has(code);
  if (passes && (original instanceof GraphQLError || !(original instanceof Error))) {
    if (!production) return formatted;
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const retryable = retryableError(original);
  if (retryable) {
    logger.warn({ err: original, path: formatted.path }, 'database fault answered TRY_AGAIN');
    return {
      message: retryable.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'TRY_AGAIN', retryAfterSeconds: retryable.extensions.retryAfterSeconds },
    };
  }
  logger.error({ err: original, path: formatted.path }, 'unexpected error');
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * formatError for errors that reach a WebSocket subscriber. Errors before execution without a code of their
 * own are graphql-js's validation errors (Apollo codes them over HTTP); in production they do not suggest
 * field names either.
 */
export function formatSocketError(
  error: GraphQLError,
  production: boolean,
  beforeExecution = false,
): GraphQLFormattedError {
  const coded =
    beforeExecution && !error.extensions?.code && !error.originalError
      ? gatewayError('GRAPHQL_VALIDATION_FAILED', error.message)
      : error;
  const json = coded.toJSON();
  const { http: _http, ...extensions } = json.extensions ?? {};
  const formatted = formatError({ ...json, locations: error.locations, extensions }, coded, production);
  return production
    ? { ...formatted, message: formatted.message.replace(/ ?Did you mean .*\?$/, '') }
    : formatted;
}
