import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The flash-sale case of the bench: `buyers` clients order 1 unit each of one SKU as fast as they get
 * answers, until the SKU has sold out and for `afterMs` more. Plain node:http with keep-alive sockets, one
 * per buyer, so every answer is read (autocannon counts responses, not what they say). A buyer answered
 * TRY_AGAIN (the gateway shedding load) sends the same request, with the same idempotency key, again after
 * its Retry-After, as the API asks of storefronts; its latency runs from the first send.
 */

export interface FlashSaleOptions {
  port: number;
  buyers: number;
  units: number;
  skuCode: string;
  stationCode: string;
  /** Bearer keys of the merchants the buyers order through, round robin. */
  keys: string[];
  /** How long to keep buying once the last unit has sold. */
  afterMs: number;
  /** Gives up selling after this long (a broken gateway must not hang the bench). */
  maxMs: number;
  /** Called once, right when the last unit is sold. */
  onSoldOut?: () => void;
  runId: string;
}

export interface Phase {
  answers: number;
  ms: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FlashSaleResult {
  accepted: number;
  refused: number;
  /** Final answers that were neither an order nor INSUFFICIENT_STOCK, by code. */
  other: Record<string, number>;
  /** TRY_AGAIN answers, each followed by the same request again. */
  triedAgain: number;
  /** From the start until the last unit sold: the accepted orders. */
  selling: Phase;
  /** After the last unit sold: the refusals of requests sent after it. */
  soldOut: Phase;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] * 10) / 10;
}

function phase(latencies: number[], ms: number): Phase {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    answers: latencies.length,
    ms: Math.round(ms),
    perSecond: ms > 0 ? Math.round((latencies.length / ms) * 1000) : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

const QUERY = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number status } }';

export async function flashSale(options: FlashSaleOptions): Promise<FlashSaleResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.buyers });
  const post = (body: string, key: string) =>
    new Promise<{ text: string; retryAfter: number }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: options.port,
          path: '/graphql',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${key}`,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ text, retryAfter: Number(res.headers['retry-after'] ?? 1) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  /** The answer's code: OK for an order, the error's code, or NETWORK and the message. */
  const answer = async (body: string, key: string) => {
    try {
      const { text, retryAfter } = await post(body, key);
      const json = JSON.parse(text) as {
        data?: { placeOrder?: { number: string } | null };
        errors?: { extensions?: { code?: string } }[];
      };
      const code = json.data?.placeOrder?.number ? 'OK' : (json.errors?.[0]?.extensions?.code ?? 'NO_ANSWER');
      return { code, retryAfter };
    } catch (error) {
      return { code: `NETWORK ${(error as Error).message}`, retryAfter: 0 };
    }
  };

  let sequence = 0;
  let triedAgain = 0;
  let accepted = 0;
  let refused = 0;
  const other: Record<string, number> = {};
  const sellingLatencies: number[] = [];
  const soldOutLatencies: number[] = [];
  const start = performance.now();
  let soldOutAt: number | null = null;
  let stopAt = start + options.maxMs;
  let lastEnd = start;

  const buyer = async () => {
    while (performance.now() < stopAt) {
      const n = ++sequence;
      const body = JSON.stringify({
        query: QUERY,
        variables: {
          input: {
            idempotencyKey: `flash-${options.runId}-${n}`,
            lines: [{ skuCode: options.skuCode, quantity: 1 }],
            destination: { stationCode: options.stationCode },
          },
        },
      });
      const sentAt = performance.now();
      const afterSoldOut = soldOutAt !== null;
      const key = options.keys[n % options.keys.length];
      let { code, retryAfter } = await answer(body, key);
      while (code === 'TRY_AGAIN' && performance.now() < stopAt) {
        triedAgain++;
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
        ({ code, retryAfter } = await answer(body, key));
      }
      const end = performance.now();
      lastEnd = Math.max(lastEnd, end);
      if (code === 'OK') {
        accepted++;
        sellingLatencies.push(end - sentAt);
        if (accepted === options.units) {
          soldOutAt = end;
          stopAt = end + options.afterMs;
          options.onSoldOut?.();
        }
      } else if (code === 'INSUFFICIENT_STOCK') {
        refused++;
        if (afterSoldOut) soldOutLatencies.push(end - sentAt);
      } else {
        other[code] = (other[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.buyers }, buyer));
  agent.destroy();
  const soldAt = soldOutAt ?? lastEnd;
  return {
    accepted,
    refused,
    other,
    triedAgain,
    selling: phase(sellingLatencies, soldAt - start),
    soldOut: phase(soldOutLatencies, soldOutAt === null ? 0 : lastEnd - soldOutAt),
  };
}
