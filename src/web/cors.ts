import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/** Request headers a browser on an allowed origin may send: the key, JSON, Apollo's CSRF headers. */
const ALLOWED_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name';
/** Response headers its scripts may read: the rate limit's wait and an export's file name. */
const EXPOSED_HEADERS = 'retry-after, content-disposition';
/** Seconds a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE = 600;

/**
 * Whether a browser request from `origin` may be served: no Origin (servers, curl), the gateway's own
 * host (same origin, whatever the scheme a proxy in front terminates), or one of CORS_ORIGINS exactly.
 */
export function originAllowed(
  origin: string | undefined,
  headers: IncomingHttpHeaders,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  const normalised = origin.toLowerCase();
  if (allowed.includes(normalised)) return true;
  try {
    return new URL(normalised).host === String(headers.host ?? '').toLowerCase();
  } catch {
    // "null" (sandboxed frames, file: pages) and anything unreadable come from no origin we know.
    return false;
  }
}

/**
 * CORS for CORS_ORIGINS: preflights of an allowed origin get 204 with the methods and headers the API
 * takes, its requests get Access-Control-Allow-Origin; any other cross-origin request (preflight or not) is
 * 403 FORBIDDEN before it reaches the API. Same-origin requests and requests without Origin pass untouched.
 * No credentials: the key travels in the Authorization header, never in a cookie.
 */
export function cors(allowed: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (allowed.length > 0) res.vary('Origin');
    if (!originAllowed(origin, req.headers, allowed)) {
      res.status(403).json({
        errors: [
          {
            message: `Requests from origin ${origin} are not allowed: add it to CORS_ORIGINS`,
            extensions: { code: 'FORBIDDEN' },
          },
        ],
      });
      return;
    }
    const crossOrigin = origin !== undefined && allowed.includes(origin.toLowerCase());
    if (!crossOrigin) return next();
    res.set('access-control-allow-origin', origin);
    res.set('access-control-expose-headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.set('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.set('access-control-allow-headers', ALLOWED_HEADERS);
      res.set('access-control-max-age', String(PREFLIGHT_MAX_AGE));
      res.status(204).end();
      return;
    }
    next();
  };
}
