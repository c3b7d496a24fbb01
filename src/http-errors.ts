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

/** Slowest answer the gateway gives: past it the client gets 503 and the socket is freed. */
export const RESPONSE_TIMEOUT_MS = 30_000;

/** Answers 503 when a request has not been answered within `ms` (the work in flight finishes on its own). */
export function responseTimeout(ms: number = RESPONSE_TIMEOUT_MS) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res
        .status(503)
        .set('retry-after', '5')
        .json({
          errors: [
            {
              message: `The request took longer than ${ms / 1000} s and was abandoned`,
              extensions: { code: 'INTERNAL_SERVER_ERROR' },
            },
          ],
        });
    }, ms);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    res.on('finish', () => clearTimeout(timer));
    next();
  };
}
