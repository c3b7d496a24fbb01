import Redis from 'ioredis';
import { Config } from '../config';
import { logger } from '../logger';

/** What one API key may still spend: the figures of extensions.cost.throttleStatus. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface Spending {
  allowed: boolean;
  status: ThrottleStatus;
  /** When refused: whole seconds until the bucket holds the cost again. */
  retryAfterSeconds: number;
}

/** A token bucket of query-cost points per API key: `capacity` points, refilled at `restoreRate` a second. */
export interface RateLimiter {
  /**
   * Spends `cost` points of `key`'s bucket if it holds them and `keep` more besides (subscription events
   * leave the lower part of the bucket to requests); a cost of 0 only reads the bucket.
   */
  spend(key: string, cost: number, keep?: number): Promise<Spending>;
  close(): Promise<void>;
}

function spending(
  capacity: number,
  restoreRate: number,
  allowed: boolean,
  tokens: number,
  needed: number,
): Spending {
  return {
    allowed,
    status: { maximumAvailable: capacity, currentlyAvailable: Math.floor(tokens), restoreRate },
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((needed - tokens) / restoreRate)),
  };
}

/** Buckets in this process: right for a single instance. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly restoreRate: number,
    private readonly nowSeconds: () => number = () => performance.now() / 1000,
  ) {}

  async spend(key: string, cost: number, keep = 0): Promise<Spending> {
    const now = this.nowSeconds();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.restoreRate);
    bucket.at = now;
    const allowed = bucket.tokens >= cost + keep;
    if (allowed) bucket.tokens -= cost;
    if (bucket.tokens >= this.capacity) this.buckets.delete(key);
    else this.buckets.set(key, bucket);
    return spending(this.capacity, this.restoreRate, allowed, bucket.tokens, cost + keep);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}

/**
 * Refill and spend in one step inside Redis, on Redis's clock, so every instance shares one bucket per key.
 * KEYS[1] bucket; ARGV capacity, restore rate a second, cost, points to keep besides. Returns
 * { allowed 0|1, tokens as text }.
 */
const SPEND_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local keep = tonumber(ARGV[4]) or 0
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= cost + keep then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return { allowed, tostring(tokens) }
`;

/** How long a request waits for Redis before it is let through. */
const REDIS_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type SpendCommand = (
  key: string,
  capacity: number,
  rate: number,
  cost: number,
  keep: number,
) => Promise<[number, string]>;

/** Buckets in Redis (REDIS_URL): shared by every instance of the gateway. */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly capacity: number,
    private readonly restoreRate: number,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, disconnectTimeout: 200 });
    this.redis.on('error', (err) => logger.warn({ err }, 'rate-limit redis error'));
    this.redis.defineCommand('spendPoints', { numberOfKeys: 1, lua: SPEND_SCRIPT });
  }

  /** When Redis cannot answer, the request is let through (and logged): storefronts keep selling. */
  async spend(key: string, cost: number, keep = 0): Promise<Spending> {
    try {
      const command = (this.redis as unknown as { spendPoints: SpendCommand }).spendPoints;
      const [allowed, tokens] = await withTimeout(
        command.call(this.redis, this.prefix + key, this.capacity, this.restoreRate, cost, keep),
        REDIS_TIMEOUT_MS,
      );
      return spending(this.capacity, this.restoreRate, allowed === 1, Number(tokens), cost + keep);
    } catch (err) {
      logger.warn({ err }, 'rate limit not applied: redis did not answer');
      return spending(this.capacity, this.restoreRate, true, this.capacity, cost);
    }
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** The limiter the configuration asks for: Redis when REDIS_URL is set, this process otherwise. */
export function createRateLimiter(config: Config): RateLimiter {
  return config.redisUrl
    ? new RedisRateLimiter(
        config.redisUrl,
        config.rateLimitBucket,
        config.rateLimitRestoreRate,
        `${config.redisPrefix}rate-limit:`,
      )
    : new MemoryRateLimiter(config.rateLimitBucket, config.rateLimitRestoreRate);
}
