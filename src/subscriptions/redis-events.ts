import Redis from 'ioredis';
import { Config } from '../config';
import {
  API_KEYS_REVOKED,
  GatewayEvents,
  LocalEvents,
  ORDER_STATUS_CHANGED,
  ROLLUPS_CHANGED,
  STOCK_CHANGED,
} from '../events';
import { logger } from '../logger';

/**
 * Events shared by every instance through Redis publish/subscribe. A change is published to Redis
 * only; each instance, this one included, hears it back from its subscriber connection and passes it
 * to its own listeners, so every subscriber hears every change exactly once.
 */
export class RedisEvents extends LocalEvents {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels: Record<string, string>;
  private readonly where: string;
  private lastError: Error | null = null;

  constructor(url: string, prefix: string) {
    super();
    this.where = new URL(url).host;
    this.channels = {
      [STOCK_CHANGED]: `${prefix}events:stock`,
      [ORDER_STATUS_CHANGED]: `${prefix}events:order-status`,
      [ROLLUPS_CHANGED]: `${prefix}events:rollups`,
      [API_KEYS_REVOKED]: `${prefix}events:api-keys-revoked`,
    };
    // No offline queue: while Redis is away a change is logged and dropped rather than piling up in memory.
    // A short disconnectTimeout: closing a connection that never opened otherwise holds the process for two
    // seconds.
    this.publisher = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      disconnectTimeout: 200,
    });
    this.subscriber = new Redis(url, { lazyConnect: true, disconnectTimeout: 200 });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (err: Error) => {
        this.lastError = err;
        logger.warn({ err }, 'redis events connection error');
      });
    }
    this.subscriber.on('message', (channel: string, message: string) => this.received(channel, message));
  }

  /** Connects both connections and subscribes; resolves once changes from other instances can arrive. */
  async open(): Promise<this> {
    try {
      // Both attempts settle before giving up, so neither is left retrying in the background.
      const connected = await Promise.allSettled([this.publisher.connect(), this.subscriber.connect()]);
      const failed = connected.find(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      if (failed) throw failed.reason;
      await this.subscriber.subscribe(...Object.values(this.channels));
    } catch (error) {
      this.publisher.disconnect();
      this.subscriber.disconnect();
      const cause = this.lastError ?? error;
      throw new Error(
        `Could not reach Redis at ${this.where} (REDIS_URL): ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause: error },
      );
    }
    return this;
  }

  override stockChanged(skuIds: number[]): void {
    this.publish(STOCK_CHANGED, skuIds);
  }

  override orderStatusChanged(orderIds: number[]): void {
    this.publish(ORDER_STATUS_CHANGED, orderIds);
  }

  override rollupsChanged(days: string[]): void {
    this.publish(ROLLUPS_CHANGED, days);
  }

  override apiKeysRevoked(keyIds: number[]): void {
    this.publish(API_KEYS_REVOKED, keyIds);
  }

  async close(): Promise<void> {
    this.removeAllListeners();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }

  private publish(kind: string, ids: (number | string)[]): void {
    if (!ids.length) return;
    this.publisher.publish(this.channels[kind], JSON.stringify(ids)).catch((err) => {
      logger.warn({ err, kind, ids }, 'could not publish a change to redis; its subscribers miss it');
    });
  }

  private received(channel: string, message: string): void {
    let ids: unknown;
    try {
      ids = JSON.parse(message);
    } catch {
      ids = null;
    }
    const days = channel === this.channels[ROLLUPS_CHANGED];
    const valid = (id: unknown) =>
      days ? typeof id === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(id) : Number.isSafeInteger(id);
    if (!Array.isArray(ids) || !ids.every(valid)) {
      logger.warn({ channel }, 'ignored a malformed change message from redis');
      return;
    }
    if (days) super.rollupsChanged(ids);
    else if (channel === this.channels[STOCK_CHANGED]) super.stockChanged(ids);
    else if (channel === this.channels[API_KEYS_REVOKED]) super.apiKeysRevoked(ids);
    else if (channel === this.channels[ORDER_STATUS_CHANGED]) super.orderStatusChanged(ids);
  }
}

/** Redis-backed events when REDIS_URL is set, in-process ones otherwise. */
export async function openEvents(config: Config): Promise<GatewayEvents> {
  if (!config.redisUrl) return new LocalEvents();
  return new RedisEvents(config.redisUrl, config.redisPrefix).open();
}

/** Closes the connections of events opened by openEvents. */
export async function closeEvents(events: GatewayEvents): Promise<void> {
  if (events instanceof RedisEvents) await events.close();
}
