import { randomUUID } from 'node:crypto';
import { CheckoutDocument, type PlaceOrderInput } from '../generated/graphql';
import { Gateway, GatewayError } from './gateway';

/** Worth sending again with the same key: the request may not have arrived, or the answer was lost. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  return ['NETWORK', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'].includes(error.code);
}

export interface CheckoutOptions {
  /** One key per checkout, made when the shopper pays; keep it with the order until an answer arrives. */
  idempotencyKey?: string;
  attempts?: number;
  /** How to wait between attempts (tests pass one that does not sleep). */
  wait?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Places an order and retries it safely: every attempt sends the same idempotency key and the same input,
 * so the gateway returns the order of the first attempt that arrived instead of placing a second one.
 * INSUFFICIENT_STOCK, BAD_USER_INPUT and the like are answers, not failures: they are not retried.
 */
export async function checkout(
  gateway: Gateway,
  order: Omit<PlaceOrderInput, 'idempotencyKey'>,
  options: CheckoutOptions = {},
) {
  const input: PlaceOrderInput = { ...order, idempotencyKey: options.idempotencyKey ?? randomUUID() };
  const attempts = options.attempts ?? 5;
  const wait = options.wait ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await gateway.request(CheckoutDocument, { input })).placeOrder;
    } catch (error) {
      if (!isRetryable(error) || attempt >= attempts) throw error;
      const retryAfter = Number((error as GatewayError).extensions.retryAfterSeconds ?? 0) * 1000;
      await wait(Math.max(retryAfter, 250 * 2 ** (attempt - 1)));
    }
  }
}
