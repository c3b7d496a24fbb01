import { EventEmitter } from 'node:events';
import { DataSource, In } from 'typeorm';
import { ORDER_STATUS_CHANGED, STOCK_CHANGED } from '../events';
import { logger } from '../logger';
import { Order } from '../orders/order.entity';

/**
 * The ids a subscriber has yet to be sent. An id already waiting is not added again: the payload is
 * loaded fresh when it is sent, so one send covers every change since. At most `limit` ids wait;
 * beyond that the oldest is dropped, so a slow subscriber costs bounded memory.
 */
export class CoalescingQueue {
  private readonly pending = new Set<number>();
  dropped = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.pending.size;
  }

  push(id: number): void {
    if (this.pending.has(id)) return;
    this.pending.add(id);
    if (this.pending.size > this.limit) {
      this.pending.delete(this.pending.values().next().value as number);
      this.dropped += 1;
    }
  }

  /** Removes and returns up to `count` ids, oldest first. */
  take(count: number): number[] {
    const ids: number[] = [];
    for (const id of this.pending) {
      if (ids.length === count) break;
      ids.push(id);
    }
    for (const id of ids) this.pending.delete(id);
    return ids;
  }

  clear(): void {
    this.pending.clear();
  }
}

/** One subscriber's changes as an async iterator of ids; `return()` (client gone or done) unregisters it. */
export class ChangeStream implements AsyncIterableIterator<number> {
  readonly queue: CoalescingQueue;
  private waiting: ((result: IteratorResult<number>) => void) | null = null;
  private finished = false;

  constructor(limit: number, private readonly onFinish: (stream: ChangeStream) => void) {
    this.queue = new CoalescingQueue(limit);
  }

  /** Never waits: hands the id to a waiting reader or queues it. */
  offer(id: number): void {
    if (this.finished) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      waiting({ value: id, done: false });
    } else {
      this.queue.push(id);
    }
  }

  next(): Promise<IteratorResult<number>> {
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    const [id] = this.queue.take(1);
    if (id !== undefined) return Promise.resolve({ value: id, done: false });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<number>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<number>> {
    this.finish();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<number> {
    return this;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.clear();
    this.onFinish(this);
    this.waiting?.({ value: undefined, done: true });
    this.waiting = null;
  }
}

/** Ids of orders whose owners are looked up in one query at a time. */
const OWNER_LOOKUP_BATCH = 500;

/**
 * Fans the instance's change events out to its subscribers. It holds one listener per event kind,
 * whatever the number of subscribers, and never waits on a subscriber: each has its own bounded
 * queue. Orders of merchant subscribers are matched to their merchant with one query per batch of
 * changes, not one per subscriber.
 */
export class SubscriptionHub {
  private readonly stockSubscribers = new Map<ChangeStream, Set<number> | null>();
  private readonly orderSubscribers = new Map<ChangeStream, number | null>();
  private readonly ownerLookups: CoalescingQueue;
  private lookingUpOwners = false;

  constructor(
    private readonly events: EventEmitter,
    private readonly dataSource: DataSource,
    readonly queueLimit = 1000,
  ) {
    this.ownerLookups = new CoalescingQueue(queueLimit * 10);
    events.on(STOCK_CHANGED, this.stockChanged);
    events.on(ORDER_STATUS_CHANGED, this.orderStatusChanged);
  }

  /** Open subscriptions on this instance. */
  get size(): number {
    return this.stockSubscribers.size + this.orderSubscribers.size;
  }

  /** Changes dropped so far from the queues of open subscriptions that fell behind. */
  get dropped(): number {
    let total = 0;
    for (const stream of [...this.stockSubscribers.keys(), ...this.orderSubscribers.keys()]) total += stream.queue.dropped;
    return total;
  }

  /** SKU ids whose stock changed: of `skuIds`, or of every SKU when null. */
  stock(skuIds: number[] | null): ChangeStream {
    const stream = new ChangeStream(this.queueLimit, (s) => this.stockSubscribers.delete(s));
    this.stockSubscribers.set(stream, skuIds ? new Set(skuIds) : null);
    return stream;
  }

  /** Order ids whose status changed: of the merchant's orders, or of every order when null. */
  orders(merchantId: number | null): ChangeStream {
    const stream = new ChangeStream(this.queueLimit, (s) => this.orderSubscribers.delete(s));
    this.orderSubscribers.set(stream, merchantId);
    return stream;
  }

  /** Ends every subscription and stops listening. */
  close(): void {
    this.events.off(STOCK_CHANGED, this.stockChanged);
    this.events.off(ORDER_STATUS_CHANGED, this.orderStatusChanged);
    for (const stream of [...this.stockSubscribers.keys(), ...this.orderSubscribers.keys()]) stream.finish();
    this.ownerLookups.clear();
  }

  private readonly stockChanged = (skuIds: number[]): void => {
    for (const [stream, wanted] of this.stockSubscribers) {
      for (const id of skuIds) if (!wanted || wanted.has(id)) stream.offer(id);
    }
  };

  private readonly orderStatusChanged = (orderIds: number[]): void => {
    let merchantsListening = false;
    for (const [stream, merchantId] of this.orderSubscribers) {
      if (merchantId === null) for (const id of orderIds) stream.offer(id);
      else merchantsListening = true;
    }
    if (!merchantsListening) return;
    for (const id of orderIds) this.ownerLookups.push(id);
    void this.deliverToMerchants();
  };

  /** Sends queued order changes to the subscribers of the orders' merchants, in the order they came. */
  private async deliverToMerchants(): Promise<void> {
    if (this.lookingUpOwners) return;
    this.lookingUpOwners = true;
    try {
      while (this.ownerLookups.size) {
        const ids = this.ownerLookups.take(OWNER_LOOKUP_BATCH);
        let owners: Map<number, number>;
        try {
          const rows = await this.dataSource.getRepository(Order).find({ select: { id: true, merchantId: true }, where: { id: In(ids) } });
          owners = new Map(rows.map((row) => [row.id, row.merchantId]));
        } catch (err) {
          logger.warn({ err, orderIds: ids }, 'could not look up the merchants of changed orders; their subscribers miss them');
          continue;
        }
        for (const id of ids) {
          const owner = owners.get(id);
          for (const [stream, merchantId] of this.orderSubscribers) if (merchantId !== null && merchantId === owner) stream.offer(id);
        }
      }
    } finally {
      this.lookingUpOwners = false;
    }
  }
}
