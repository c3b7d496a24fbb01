import { EventEmitter } from 'node:events';
import { DataSource, In } from 'typeorm';
import { ORDER_STATUS_CHANGED, STOCK_CHANGED } from '../events';
import { Loaders } from '../loaders';
import { logger } from '../logger';
import { Order } from '../orders/order.entity';

/**
 * One published change of one id, as a subscriber receives it. Every subscriber hearing the same
 * publication reads through the same loaders, created on first use after the commit: a thousand
 * storefronts watching one SKU cost the SQL of one.
 */
export interface Change {
  id: number;
  loaders(): Loaders;
}

/** The loaders shared by the subscribers of one publication. */
function sharedLoaders(dataSource: DataSource): () => Loaders {
  let loaders: Loaders | undefined;
  return () => (loaders ??= new Loaders(dataSource));
}

/**
 * The changes a subscriber has yet to be sent, one per id. A newer change of an id already waiting
 * takes its place: the payload is loaded when it is sent, so one send covers every change since. At
 * most `limit` ids wait; beyond that the oldest is dropped, so a slow subscriber costs bounded memory.
 */
export class CoalescingQueue<T = number> {
  private readonly pending = new Map<number, T>();
  dropped = 0;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.pending.size;
  }

  push(id: number, value: T): void {
    const waiting = this.pending.has(id);
    this.pending.set(id, value);
    if (!waiting && this.pending.size > this.limit) {
      this.pending.delete(this.pending.keys().next().value as number);
      this.dropped += 1;
    }
  }

  /** Removes and returns up to `count` values, oldest id first. */
  take(count: number): T[] {
    const taken: [number, T][] = [];
    for (const entry of this.pending) {
      if (taken.length === count) break;
      taken.push(entry);
    }
    for (const [id] of taken) this.pending.delete(id);
    return taken.map(([, value]) => value);
  }

  clear(): void {
    this.pending.clear();
  }
}

/**
 * What a subscriber's changes wait for before each is sent: room on its socket and rate-limit points of its
 * key. `admit()` returns nothing when the change may go at once, else a promise that settles when it may.
 */
export interface DeliveryGate {
  admit(): Promise<void> | void;
  /** Told when the subscriber asks for its next change: graphql-ws asks once it has sent the one before. */
  sent?(): void;
}

/**
 * One subscriber's changes as an async iterator; `return()` (client gone or done) unregisters it. A change
 * is taken from the queue only once the gate admits it, so changes that arrive while the socket is behind
 * or the key is out of points merge in the queue, one per SKU or order, the newest kept.
 */
export class ChangeStream implements AsyncIterableIterator<Change> {
  readonly queue: CoalescingQueue<Change>;
  private arrival: (() => void) | null = null;
  private finished = false;
  private readonly ended: Promise<void>;
  private end: () => void = () => undefined;
  /** True while a change waits for the gate. */
  held = false;

  constructor(
    limit: number,
    private readonly onFinish: (stream: ChangeStream) => void,
    private readonly gate?: DeliveryGate,
  ) {
    this.queue = new CoalescingQueue(limit);
    this.ended = new Promise((resolve) => {
      this.end = resolve;
    });
  }

  /** Never waits: queues the change (merged with one of the same id) and wakes a waiting reader. */
  offer(change: Change): void {
    if (this.finished) return;
    this.queue.push(change.id, change);
    const arrival = this.arrival;
    this.arrival = null;
    arrival?.();
  }

  async next(): Promise<IteratorResult<Change>> {
    this.gate?.sent?.();
    while (!this.finished && !this.queue.size) {
      await new Promise<void>((resolve) => {
        this.arrival = resolve;
      });
    }
    if (this.finished) return { value: undefined, done: true };
    const admitted = this.gate?.admit();
    if (admitted) {
      this.held = true;
      await Promise.race([admitted, this.ended]);
      this.held = false;
    }
    const [change] = this.queue.take(1);
    if (this.finished || change === undefined) return { value: undefined, done: true };
    return { value: change, done: false };
  }

  return(): Promise<IteratorResult<Change>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<Change>> {
    this.finish();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Change> {
    return this;
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.clear();
    this.onFinish(this);
    this.end();
    this.arrival?.();
    this.arrival = null;
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
  private readonly ownerLookups: CoalescingQueue<Change>;
  private lookingUpOwners = false;

  constructor(
    private readonly events: EventEmitter,
    private readonly dataSource: DataSource,
    readonly queueLimit = 1000,
  ) {
    this.ownerLookups = new CoalescingQueue<Change>(queueLimit * 10);
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
    for (const stream of [...this.stockSubscribers.keys(), ...this.orderSubscribers.keys()])
      total += stream.queue.dropped;
    return total;
  }

  /** Changes waiting in the queues of open subscriptions, at most one per SKU or order each. */
  get waiting(): number {
    let total = 0;
    for (const stream of [...this.stockSubscribers.keys(), ...this.orderSubscribers.keys()])
      total += stream.queue.size;
    return total;
  }

  /** Subscriptions whose next change waits for room on their socket or for points of their key. */
  get held(): number {
    let total = 0;
    for (const stream of [...this.stockSubscribers.keys(), ...this.orderSubscribers.keys()])
      if (stream.held) total += 1;
    return total;
  }

  /** SKU ids whose stock changed: of `skuIds`, or of every SKU when null. */
  stock(skuIds: number[] | null, gate?: DeliveryGate): ChangeStream {
    const stream = new ChangeStream(this.queueLimit, (s) => this.stockSubscribers.delete(s), gate);
    this.stockSubscribers.set(stream, skuIds ? new Set(skuIds) : null);
    return stream;
  }

  /** Order ids whose status changed: of the merchant's orders, or of every order when null. */
  orders(merchantId: number | null, gate?: DeliveryGate): ChangeStream {
    const stream = new ChangeStream(this.queueLimit, (s) => this.orderSubscribers.delete(s), gate);
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
    if (!this.stockSubscribers.size) return;
    const loaders = sharedLoaders(this.dataSource);
    const changes = skuIds.map((id) => ({ id, loaders }));
    for (const [stream, wanted] of this.stockSubscribers) {
      for (const change of changes) if (!wanted || wanted.has(change.id)) stream.offer(change);
    }
  };

  private readonly orderStatusChanged = (orderIds: number[]): void => {
    if (!this.orderSubscribers.size) return;
    const loaders = sharedLoaders(this.dataSource);
    const changes = orderIds.map((id) => ({ id, loaders }));
    let merchantsListening = false;
    for (const [stream, merchantId] of this.orderSubscribers) {
      if (merchantId === null) for (const change of changes) stream.offer(change);
      else merchantsListening = true;
    }
    if (!merchantsListening) return;
    for (const change of changes) this.ownerLookups.push(change.id, change);
    void this.deliverToMerchants();
  };

  /** Sends queued order changes to the subscribers of the orders' merchants, in the order they came. */
  private async deliverToMerchants(): Promise<void> {
    if (this.lookingUpOwners) return;
    this.lookingUpOwners = true;
    try {
      while (this.ownerLookups.size) {
        const changes = this.ownerLookups.take(OWNER_LOOKUP_BATCH);
        const ids = changes.map((change) => change.id);
        let owners: Map<number, number>;
        try {
          const rows = await this.dataSource
            .getRepository(Order)
            .find({ select: { id: true, merchantId: true }, where: { id: In(ids) } });
          owners = new Map(rows.map((row) => [row.id, row.merchantId]));
        } catch (err) {
          logger.warn(
            { err, orderIds: ids },
            'could not look up the merchants of changed orders; their subscribers miss them',
          );
          continue;
        }
        for (const change of changes) {
          const owner = owners.get(change.id);
          for (const [stream, merchantId] of this.orderSubscribers)
            if (merchantId !== null && merchantId === owner) stream.offer(change);
        }
      }
    } finally {
      this.lookingUpOwners = false;
    }
  }
}
