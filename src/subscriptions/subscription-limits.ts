import { Socket } from 'node:net';
import WebSocket from 'ws';
import { RateLimiter } from '../auth/rate-limiter';
import { SubscriptionLimits } from '../config';
import { SubscriptionScope, tooManySubscriptions } from '../graphql/errors';
import { DeliveryGate } from './subscription-hub';

/**
 * Close codes of the subscription server besides graphql-ws's own (4400 bad request, 4403 forbidden: a bad
 * or revoked key, 4408 no connection_init in time, 4500 internal error).
 */
export const CloseCodes = {
  /** The key holds its maximum of sockets on this instance (graphql-ws clients do not retry it). */
  tooManySockets: 4429,
  /** This instance holds its maximum of sockets: try again later, or another instance. */
  instanceFull: 1013,
  /** The client left more than SUBSCRIPTION_BUFFER_BYTES unread for too long: reconnect and re-read. */
  tooSlow: 4413,
} as const;

/** Points taken from a key's bucket at once for its events, so a busy key asks its limiter now and then. */
const DELIVERY_POINTS_AT_ONCE = 50;

/**
 * How far the client of one socket is behind: the bytes written to the socket since the last ping the
 * client answered. A WebSocket client answers a ping only after it has read everything sent before it, so
 * this counts what waits in the gateway's buffer and in the network's (the operating system's socket
 * buffers hold megabytes, which `bufferedAmount` does not see). While more than `bound` bytes are unread,
 * `admit()` holds every subscription of the socket, and their changes merge in their queues; a socket that
 * stays behind for `slowMs` is closed with 4413.
 */
export class SocketFlow {
  private acknowledged: number;
  /** bytesWritten when the ping now awaiting its pong was sent. */
  private pinged: number | null = null;
  private waiters: (() => void)[] = [];
  private slowTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly raw: Socket,
    readonly bound: number,
    private readonly slowMs: number,
    private readonly onSlow: (flow: SocketFlow) => void,
  ) {
    this.acknowledged = this.written();
    socket.on('pong', this.pong);
  }

  /** Bytes sent that the client has not yet shown it has read. */
  get unread(): number {
    return this.written() - this.acknowledged;
  }

  /** Undefined when the socket has room; else a promise that settles once the client has caught up. */
  admit(): Promise<void> | undefined {
    if (this.closed || !this.behind()) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * After a send: the send that took the socket past the bound starts its slow clock, as the next change,
   * which would otherwise start it, may never come.
   */
  sent(): void {
    if (!this.closed) this.behind();
  }

  close(): void {
    this.closed = true;
    this.socket.off('pong', this.pong);
    this.release();
  }

  /** Whether more than `bound` bytes are unread; if so, the slow clock runs. */
  private behind(): boolean {
    const unread = this.unread;
    // Acknowledgements are asked for well before the bound, so a client that reads is never held.
    if (unread >= this.bound / 4) this.ping();
    if (unread <= this.bound) return false;
    this.slowTimer ??= setTimeout(() => {
      if (!this.closed && this.unread > this.bound) this.onSlow(this);
    }, this.slowMs).unref();
    return true;
  }

  private written(): number {
    return this.raw.bytesWritten ?? 0;
  }

  private ping(): void {
    if (this.pinged !== null || this.socket.readyState !== WebSocket.OPEN) return;
    this.pinged = this.written();
    this.socket.ping(String(this.pinged));
  }

  private readonly pong = (data: Buffer): void => {
    // graphql-ws's keep-alive pings carry no payload; only the answer to our own ping moves the mark.
    if (this.pinged === null || data.toString() !== String(this.pinged)) return;
    this.acknowledged = this.pinged;
    this.pinged = null;
    if (this.unread > this.bound) this.ping();
    else this.release();
  };

  private release(): void {
    clearTimeout(this.slowTimer);
    this.slowTimer = undefined;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

/**
 * The points a key's subscriptions pay for the events they are sent, from the key's one rate-limit bucket.
 * Events are paid only from the upper half of the bucket (the lower half is kept for the key's requests),
 * a few dozen points at a time; while the bucket is too low, changes wait and merge in their queues.
 */
export class KeyBudget {
  private credit = 0;
  private paying: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  /** True while the bucket was found too low and the key's events wait for it to refill. */
  short = false;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly key: string,
    private readonly capacity: number,
  ) {}

  /** Undefined when `cost` is paid at once from points taken before; else a promise settling once paid. */
  admit(cost: number): Promise<void> | undefined {
    if (this.closed || this.credit >= cost) {
      this.credit -= cost;
      return undefined;
    }
    return this.pay(cost);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.wake?.();
  }

  private async pay(cost: number): Promise<void> {
    while (!this.closed && this.credit < cost) {
      this.paying ??= this.take(cost).finally(() => {
        this.paying = null;
      });
      await this.paying;
    }
    this.credit -= cost;
  }

  private async take(cost: number): Promise<void> {
    const amount = Math.min(this.capacity, Math.max(cost, DELIVERY_POINTS_AT_ONCE));
    const keep = Math.max(0, Math.min(Math.floor(this.capacity / 2), this.capacity - amount));
    const spent = await this.limiter.spend(this.key, amount, keep);
    if (spent.allowed) {
      this.credit += amount;
      return;
    }
    this.short = true;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.retryTimer = setTimeout(resolve, spent.retryAfterSeconds * 1000).unref();
    });
    this.wake = undefined;
    this.short = false;
  }
}

/** One socket as the registry knows it. */
export interface SocketEntry {
  key: string;
  socket: WebSocket;
  flow: SocketFlow;
}

/**
 * The sockets and subscriptions this instance holds, by API key, and the caps on them: sockets per key and
 * per instance, subscriptions per key and per instance. Counts are of this instance only.
 */
export class SubscriptionRegistry {
  private readonly socketsByKey = new Map<string, Set<SocketEntry>>();
  private readonly subscriptionsByKey = new Map<string, number>();
  private readonly budgets = new Map<string, KeyBudget>();
  private subscriptionCount = 0;

  constructor(
    readonly limits: SubscriptionLimits,
    private readonly limiter: RateLimiter,
    private readonly bucket: number,
  ) {}

  /** Subscriptions open (or being set up) on this instance. */
  get subscriptions(): number {
    return this.subscriptionCount;
  }

  /** True while the events of `key` wait for its bucket to refill. */
  shortOfPoints(key: string): boolean {
    return this.budgets.get(key)?.short ?? false;
  }

  /** Registers an authenticated socket; false when its key holds its maximum of sockets already. */
  addSocket(entry: SocketEntry): boolean {
    const sockets = this.socketsByKey.get(entry.key) ?? new Set();
    if (sockets.size >= this.limits.socketsPerKey) return false;
    sockets.add(entry);
    this.socketsByKey.set(entry.key, sockets);
    return true;
  }

  removeSocket(entry: SocketEntry): void {
    const sockets = this.socketsByKey.get(entry.key);
    if (!sockets?.delete(entry)) return;
    if (!sockets.size) this.socketsByKey.delete(entry.key);
  }

  /** The sockets of these keys on this instance. */
  socketsOf(keys: string[]): SocketEntry[] {
    return keys.flatMap((key) => [...(this.socketsByKey.get(key) ?? [])]);
  }

  /**
   * Counts a new subscription of `key`, or answers the error of the cap it would pass. `release` must be
   * called once when it ends.
   */
  addSubscription(key: string): ReturnType<typeof tooManySubscriptions> | null {
    const held = this.subscriptionsByKey.get(key) ?? 0;
    const over = (scope: SubscriptionScope, limit: number, message: string) =>
      tooManySubscriptions(scope, limit, message);
    if (held >= this.limits.subscriptionsPerKey)
      return over(
        'key',
        this.limits.subscriptionsPerKey,
        `This API key holds its maximum of ${this.limits.subscriptionsPerKey} subscriptions on this server; complete one first`,
      );
    if (this.subscriptionCount >= this.limits.subscriptionsPerInstance)
      return over(
        'instance',
        this.limits.subscriptionsPerInstance,
        `This server holds its maximum of ${this.limits.subscriptionsPerInstance} subscriptions; try again later`,
      );
    this.subscriptionsByKey.set(key, held + 1);
    this.subscriptionCount += 1;
    return null;
  }

  releaseSubscription(key: string): void {
    const held = this.subscriptionsByKey.get(key) ?? 0;
    if (held <= 0) return;
    this.subscriptionCount -= 1;
    if (held > 1) {
      this.subscriptionsByKey.set(key, held - 1);
      return;
    }
    this.subscriptionsByKey.delete(key);
    this.budgets.get(key)?.close();
    this.budgets.delete(key);
  }

  /** What one subscription's changes wait for: room on its socket, then `cost` points of its key. */
  gate(key: string, flow: SocketFlow | undefined, cost: number): DeliveryGate {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new KeyBudget(this.limiter, key, this.bucket);
      this.budgets.set(key, budget);
    }
    const points = budget;
    return {
      admit: () => {
        const room = flow?.admit();
        if (!room) return points.admit(cost);
        return room.then(() => points.admit(cost));
      },
      sent: () => flow?.sent(),
    };
  }

  close(): void {
    for (const budget of this.budgets.values()) budget.close();
    this.budgets.clear();
  }
}
