import type { NextFunction, Request, Response } from 'express';
import { logger } from './logger';

/**
 * Errors raised before GraphQL runs (malformed JSON, a body over the size limit) as a GraphQL-shaped JSON
 * answer with a 4xx status, never express's HTML page with a stack trace.
 */
export function httpErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const status = (err as { status?: number })?.status;
  const type = (err as { type?: string })?.type;
  if (status === 413) {
    res.status(413).json({
      errors: [
        {
          message: 'The request body is larger than this server accepts',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  } else if (type === 'entity.parse.failed') {
    res.status(400).json({
      errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
    });
  } else if (status && status >= 400 && status < 500) {
    res
      .status(status)
      .json({ errors: [{ message: 'The request could not be read', extensions: { code: 'BAD_REQUEST' } }] });
  } else {
    logger.error({ err }, 'unexpected HTTP error');
    res.status(500).json({
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  }
}

/** Slowest answer the gateway gives unless RESPONSE_TIMEOUT_MS says otherwise. */
export const RESPONSE_TIMEOUT_MS = 30_000;

type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** Requests answered at their deadline whose work is still running, and who waits for them to end. */
export class LateWork {
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  get count(): number {
    return this.running;
  }

  add(work: Promise<unknown>): void {
    this.running++;
    void work.finally(() => {
      if (--this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves once no work answered at its deadline is still running. */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * Runs `handler` (the GraphQL endpoint) with a deadline of `ms`. A request not answered by then is answered
 * TRY_AGAIN (HTTP 503, Retry-After; the message says a change's outcome may be unknown, and to send it again
 * with the same idempotency key). Its work runs on, bounded by the database's lock-wait and statement
 * timeouts, and whatever it answers later is dropped: nothing is ever written to a response already sent,
 * so the keep-alive socket stays good for the client's next request.
 */
export function withDeadline(
  handler: Handler,
  ms: number,
  late: LateWork,
  onDeadline: (req: Request, res: Response) => void,
): Handler {
  return (req, res, next) => {
    let answeredAtDeadline = false;
    let done: Promise<void> = Promise.resolve();
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      answeredAtDeadline = true;
      onDeadline(req, res);
      late.add(done);
    }, ms);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    done = Promise.resolve()
      .then(() => handler(req, res, next))
      .then(() => undefined)
      .finally(() => clearTimeout(timer))
      .catch((error: unknown) => {
        if (!answeredAtDeadline) return next(error);
        // Apollo's late answer fails on the headers already sent: drop it, keep the socket.
        logger.info({ err: error }, 'answer of a request past its deadline dropped');
      });
    return done;
  };
}
