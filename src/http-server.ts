import { createServer, RequestListener, Server } from 'node:http';

/** Time a client has to send a request's headers (slow-header clients are cut off after it). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send a whole request. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The gateway's HTTP server. Node checks these timeouts only every `connectionsCheckingInterval` (30 s by
 * default), which would let slow headers run for 30 s: it checks every second here, or more often for a
 * shorter timeout.
 */
export function createGatewayServer(
  app: RequestListener,
  { headersTimeoutMs = HEADERS_TIMEOUT_MS }: { headersTimeoutMs?: number } = {},
): Server {
  const server = createServer(
    { connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 4))) },
    app,
  );
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, headersTimeoutMs);
  return server;
}
