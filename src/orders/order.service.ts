import { DataSource, EntityManager, In } from 'typeorm';
import { maySeeOrder, ownOrdersOnly } from '../auth/access-policy';
import { Principal } from '../auth/principal';
import { Carrier } from '../catalog/carrier.entity';
import { Sku } from '../catalog/sku.entity';
import { VillageStation } from '../catalog/village-station.entity';
import { recordOrderDispatched, recordOrdersPlaced } from '../dashboard/rollup.service';
import { GatewayEvents } from '../events';
import { insertRows } from '../db/raw-rows';
import { databaseFault } from '../db/faults';
import { SharedReads } from '../db/shared-reads';
import { logger } from '../logger';
import { Connection, ConnectionArgs, paginate } from '../graphql/connection';
import { LotStatus, MovementType, OrderStatus, Role } from '../graphql/enums';
import { inTransaction, isDuplicateKey } from '../db/transaction';
import {
  claimKeys,
  earlierFromJoin,
  earlierResult,
  KeyedRequest,
  keyLookupJoin,
  merchantScope,
  runOnce,
} from '../idempotency/idempotency.service';
import { badInput, forbidden, insufficientStock, invalidState, notFound, Shortage } from '../graphql/errors';
import { formatFen, lineOverOrderTotal, MAX_ORDER_TOTAL_FEN } from '../money';
import { Lot } from '../stock/lot.entity';
import {
  availableBySku,
  bumpStockLevel,
  compactDate,
  execute,
  forUpdate,
  idByCode,
  recordMovement,
  SkuForSale,
  skusForSaleRead,
  skusOfRows,
  takeAvailable,
} from '../stock/stock-sql';
import { currentTime, shanghaiDate, shanghaiToday } from '../time';
import { activeEndpoints, recordOrderChanged, recordStockChanged } from '../webhooks/webhook-outbox';
import { Allocation } from './allocation.entity';
import { Merchant } from './merchant.entity';
import { ReservationMerger, settle, Settled } from './order-merger';
import { OrderIds } from './order-ids';
import { OrderEvent } from './order-event.entity';
import { applyOrderFilter, orderSortColumn, orderSortValue } from './order-filter';
import { OrderLine } from './order-line.entity';
import { transition, TransitionFields } from './order-transitions';
import { Order } from './order.entity';
import {
  DestinationInput,
  DispatchOrderInput,
  OrderFilter,
  PlaceOrderInput,
  OrderOrder,
} from './order.inputs';

/** Lines that could not be reserved; thrown inside the transaction so it rolls back, reported after. */
class Shortfall extends Error {
  constructor(readonly lines: { skuId: number; skuCode: string; requested: number }[]) {
    super('insufficient stock');
  }
}

/** An order checked and read before its transaction (placeOrder). */
interface PreparedOrder {
  principal: Principal;
  merchant: Merchant;
  input: PlaceOrderInput;
  destination: ReturnType<typeof checkDestination>;
  request: KeyedRequest;
  skus: Map<string, SkuForSale>;
  stationId: number | null;
  carrierId: number | null;
  /** When it was placed: its own request's clock, also inside a merged transaction. */
  at: Date;
}

/** What a placeOrder transaction wrote, announced after the commit. */
interface WrittenOrders {
  orders: Order[];
  skuIds: number[];
}

const loadOrder = (m: EntityManager, id: number) => m.findOneByOrFail(Order, { id });

/** GD-20261129-000123: the Shanghai day it was placed and its id. */
function orderNumber(at: Date, id: number): string {
  return `GD-${compactDate(shanghaiDate(at))}-${String(id).padStart(6, '0')}`;
}

/** INSUFFICIENT_STOCK naming every line the stock read in `skus` cannot meet. */
function refuseWhatCannotBeMet(input: PlaceOrderInput, skus: Map<string, SkuForSale>): void {
  const lacking = input.lines
    .map((l) => ({
      skuCode: l.skuCode,
      requested: l.quantity,
      available: skus.get(l.skuCode)?.available ?? 0,
    }))
    .filter((s) => s.requested > s.available);
  if (lacking.length) throw insufficientStock(lacking);
}

/** Merchants' orders; a merchant only ever sees its own. */
export class OrderService {
  /** Order ids drawn ahead of the INSERT. */
  private readonly ids: OrderIds;
  /** Concurrent orders of one SKU placed together; null with ORDER_MERGING=off. */
  readonly merger: ReservationMerger<PreparedOrder, Order> | null;
  /** placeOrder's first read (its key, SKUs, stock, station and carrier), shared by concurrent orders. */
  readonly saleReads: SharedReads;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: GatewayEvents,
    { merging = true }: { merging?: boolean } = {},
  ) {
    this.ids = new OrderIds(dataSource);
    this.saleReads = new SharedReads(dataSource);
    this.merger = merging ? new ReservationMerger((jobs) => this.placeBatch(jobs)) : null;
  }

  /** The order, or null when it does not exist or the caller may not see it. */
  async orderByNumber(principal: Principal, number: string): Promise<Order | null> {
    const order = await this.dataSource.getRepository(Order).findOneBy({ number });
    return order && maySeeOrder(principal, order) ? order : null;
  }

  /** Newest first. */
  orders(
    principal: Principal,
    args: ConnectionArgs,
    filter: OrderFilter = {},
    orderBy: OrderOrder | null = null,
  ): Promise<Connection<Order>> {
    const query = this.dataSource.getRepository(Order).createQueryBuilder('o');
    applyOrderFilter(query, filter);
    const own = ownOrdersOnly(principal);
    if (own !== null) query.andWhere('o.merchant_id = :own', { own });
    if (!orderBy) return paginate(query, args, null, 'DESC');
    // The change feed: ordered by the column, ties by id, both in the cursor.
    const column = orderSortColumn(orderBy);
    const sort = { expression: `o.${column}`, valueOf: (o: Order) => orderSortValue(o, column) };
    return paginate(query, args, sort, orderBy.direction);
  }

  // ---- writes ------------------------------------------------------------

  /**
   * Places an order and reserves every line or none: reserved += quantity per SKU by conditional UPDATE,
   * in ascending SKU id order. Idempotent by (merchant, idempotencyKey). With merging on, concurrent orders
   * of one SKU share one transaction and one UPDATE (placeBatch), each keeping its own outcome and key.
   */
  async placeOrder(principal: Principal, input: PlaceOrderInput): Promise<Order> {
    const merchant = await this.merchantFor(principal, input.merchantCode);
    checkLines(input);
    const destination = checkDestination(input.destination);
    const request: KeyedRequest = {
      scope: merchantScope(merchant.id),
      operation: 'placeOrder',
      key: input.idempotencyKey,
      input: [input.lines.map((l) => [l.skuCode, l.quantity]), destination, input.carrierCode ?? null],
    };
    // One read for the key's record, the SKUs with their stock, the station and the carrier; a replay comes
    // first, sold out or not.
    const rows = await this.saleReads.read(
      skusForSaleRead(
        input.lines.map((l) => l.skuCode),
        [
          keyLookupJoin(request),
          idByCode(this.dataSource.getMetadata(VillageStation).tableName, 'station', destination.stationCode),
          idByCode(this.dataSource.getMetadata(Carrier).tableName, 'carrier', input.carrierCode ?? null),
        ],
      ),
    );
    const skus = skusOfRows(rows);
    const earlier = rows.length
      ? await earlierFromJoin(this.dataSource, request, rows[0], loadOrder)
      : await earlierResult(this.dataSource, request, loadOrder);
    if (earlier) return earlier.value;
    const prepared = this.prepare(principal, merchant, input, destination, request, skus, rows[0]);
    if (!this.merger) return this.placeSingle(prepared, true);
    return this.merger.submit(
      input.lines.map((l) => l.skuCode),
      prepared,
    );
  }

  /**
   * The checks of an order before its transaction, on what placeOrder read with its key (without a lock):
   * its SKUs and what can be sold of them (what the stock cannot meet now is refused here), its station and
   * carrier (`read`: a row of that read, absent when no SKU of the order exists).
   */
  private prepare(
    principal: Principal,
    merchant: Merchant,
    input: PlaceOrderInput,
    destination: ReturnType<typeof checkDestination>,
    request: KeyedRequest,
    skus: Map<string, SkuForSale>,
    read: Record<string, unknown> | undefined,
  ): PreparedOrder {
    input.lines.forEach((line, i) => {
      const sku = skus.get(line.skuCode);
      if (!sku) throw notFound('SKU', line.skuCode, `lines.${i}.skuCode`);
      if (!sku.active)
        throw badInput(`lines.${i}.skuCode`, `SKU ${sku.code} is inactive and cannot be ordered`);
    });
    const over = lineOverOrderTotal(
      input.lines.map((l) => ({ quantity: l.quantity, unitPriceFen: skus.get(l.skuCode)!.priceFen })),
    );
    if (over)
      throw badInput(
        `lines.${over.index}.quantity`,
        `An order may come to at most ${formatFen(MAX_ORDER_TOTAL_FEN)} yuan; with line ${over.index} it comes to ${formatFen(over.totalFen)}`,
      );
    refuseWhatCannotBeMet(input, skus);
    const stationId = idRead(
      read!,
      'station',
      destination.stationCode,
      'Village station',
      'destination.stationCode',
    );
    const carrierId = idRead(read!, 'carrier', input.carrierCode ?? null, 'Carrier', 'carrierCode');
    return {
      principal,
      merchant,
      input,
      destination,
      request,
      skus,
      stationId,
      carrierId,
      at: currentTime(),
    };
  }

  /**
   * One order in its own transaction. `lookedUp`: placeOrder has just looked for an earlier result of the
   * key and read the stock; otherwise (a merged transaction fell back) both are done again first. An order
   * that waited in the row gate for others of its SKUs reads the stock again too: after a sell-out it is
   * refused by that read, without taking the row lock.
   */
  private async placeSingle(order: PreparedOrder, lookedUp: boolean): Promise<Order> {
    for (let attempt = 1; ; attempt++) {
      const [id] = await this.ids.take(1);
      const written: { value?: WrittenOrders } = {};
      try {
        const placed = await runOnce(this.dataSource, order.request, {
          lookedUp,
          before: async (waited) => {
            if (lookedUp && !waited) return;
            const codes = order.input.lines.map((l) => l.skuCode);
            const { sql, params } = skusForSaleRead(codes);
            refuseWhatCannotBeMet(order.input, skusOfRows(await this.dataSource.query(sql, params)));
          },
          // The waiting reservations of one SKU hold a bounded number of connections (src/db/row-gate.ts).
          contended: order.input.lines.map((l) => `sku:${l.skuCode}`),
          work: async (m) => {
            written.value = await this.writeOrders(m, [order], [id]);
            return written.value.orders[0];
          },
          resultId: (o) => o.id,
          resultIdAhead: id,
          load: loadOrder,
        });
        if (!placed.replayed) this.announce(written.value!);
        return placed.value;
      } catch (error) {
        if (error instanceof Shortfall)
          throw insufficientStock(await shortages(this.dataSource, error.lines));
        // An order row inserted elsewhere with an id of this instance's block: draw a new block.
        if (isDuplicateKey(error) && attempt < 3) {
          this.ids.discard();
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * A batch of the merger: two or more orders in one transaction, their keys claimed in one INSERT, their
   * rows written in one INSERT a table, and one conditional UPDATE per SKU for the sum of its lines. On any
   * failure (a key already taken, too little stock for the sum, a deadlock) it rolls back and places each
   * order on its own, as without merging. A key given twice in one batch waits for the batch and replays.
   */
  private async placeBatch(jobs: PreparedOrder[]): Promise<Settled<Order>[]> {
    if (jobs.length === 1) return [await settle(this.placeSingle(jobs[0], true))];
    const keyOf = (job: PreparedOrder) => `${job.request.scope}\u0000${job.request.key}`;
    const first = new Map<string, PreparedOrder>();
    for (const job of jobs) if (!first.has(keyOf(job))) first.set(keyOf(job), job);
    const merged = [...first.values()];
    const results = new Map<PreparedOrder, Settled<Order>>();
    if (merged.length === 1) {
      results.set(merged[0], await settle(this.placeSingle(merged[0], true)));
    } else {
      try {
        const ids = await this.ids.take(merged.length);
        const written = await inTransaction(this.dataSource, async (m) => {
          const claim = await claimKeys(
            m,
            merged.map((job, i) => ({ request: job.request, resultId: ids[i] })),
          );
          const written = await this.writeOrders(m, merged, ids);
          await claim.finish();
          return written;
        });
        this.merger!.stats.mergedBatches++;
        this.merger!.stats.mergedOrders += merged.length;
        this.announce(written);
        merged.forEach((job, i) => results.set(job, { ok: true, value: written.orders[i] }));
      } catch (error) {
        this.merger!.stats.fallbacks++;
        logger.debug({ err: error, orders: merged.length }, 'merged placeOrder fell back to single orders');
        if (isDuplicateKey(error)) this.ids.discard();
        // A lock held too long, a database down: each order alone would only wait the same again.
        const singles = databaseFault(error)
          ? merged.map(() => ({ ok: false as const, error }))
          : await Promise.all(merged.map((job) => settle(this.placeSingle(job, false))));
        merged.forEach((job, i) => results.set(job, singles[i]));
      }
    }
    // Repeats of a key in this batch: now replays of its order (or CONFLICT), through the one key rule.
    const repeats = jobs.filter((job) => !results.has(job));
    const replays = await Promise.all(repeats.map((job) => settle(this.placeSingle(job, false))));
    repeats.forEach((job, i) => results.set(job, replays[i]));
    return jobs.map((job) => results.get(job)!);
  }

  /**
   * The orders, their lines, events, rollups and outbox rows, then the reservations, in the caller's
   * transaction; Shortfall when a SKU has fewer units than its lines of these orders together.
   */
  private async writeOrders(m: EntityManager, batch: PreparedOrder[], ids: number[]): Promise<WrittenOrders> {
    const active = await activeEndpoints(m);
    const orders: Order[] = [];
    const lines: OrderLine[] = [];
    batch.forEach((job, i) => {
      const id = ids[i];
      const orderLines = job.input.lines.map((line) => {
        const sku = job.skus.get(line.skuCode)!;
        return m.create(OrderLine, {
          orderId: id,
          skuId: sku.id,
          quantity: line.quantity,
          unitPriceFen: sku.priceFen,
          lineTotalFen: sku.priceFen * BigInt(line.quantity),
        });
      });
      lines.push(...orderLines);
      orders.push(
        m.create(Order, {
          id,
          number: orderNumber(job.at, id),
          merchantId: job.merchant.id,
          status: OrderStatus.PLACED,
          totalFen: orderLines.reduce((sum, line) => sum + line.lineTotalFen, 0n),
          stationId: job.stationId,
          recipientName: job.destination.recipientName,
          recipientPhone: job.destination.recipientPhone,
          address: job.destination.address,
          city: job.destination.city,
          province: job.destination.province,
          carrierId: job.carrierId,
          trackingNumber: null,
          parcels: null,
          weightGrams: null,
          placedAt: job.at,
          updatedAt: job.at,
          dispatchedAt: null,
          deliveredAt: null,
          cancelledAt: null,
          cancelReason: null,
        }),
      );
    });
    // Inserted as they are, in one statement a table (src/db/raw-rows.ts).
    await insertRows(m, Order, orders);
    await insertRows(m, OrderLine, lines);
    await insertRows(
      m,
      OrderEvent,
      batch.map((job, i) => ({
        orderId: ids[i],
        status: OrderStatus.PLACED,
        at: job.at,
        actor: job.principal.label,
        note: null,
      })),
    );
    await recordOrdersPlaced(m, orders);
    for (const order of orders) await recordOrderChanged(m, order, active);
    // Reservations come last, so the stock-level row locks they take are held only until the commit.
    const units = new Map<number, number>();
    for (const line of lines) units.set(line.skuId, (units.get(line.skuId) ?? 0) + line.quantity);
    const short: Shortfall['lines'] = [];
    for (const [skuId, n] of [...units].sort(([a], [b]) => a - b)) {
      if (!(await takeAvailable(m, skuId, n, 'reserve'))) {
        const job = batch.find((j) => [...j.skus.values()].some((s) => s.id === skuId))!;
        short.push({
          skuId,
          skuCode: [...job.skus.values()].find((s) => s.id === skuId)!.code,
          requested: n,
        });
      }
    }
    if (short.length) throw new Shortfall(short);
    await recordStockChanged(
      m,
      [...units].map(([skuId, reserved]) => ({ skuId, reserved })),
      active,
    );
    return { orders, skuIds: [...units.keys()] };
  }

  /** Events of placed orders, after their commit. */
  private announce(written: WrittenOrders): void {
    this.events.stockChanged(written.skuIds);
    this.events.orderStatusChanged(written.orders.map((o) => o.id));
    this.events.rollupsChanged([...new Set(written.orders.map((o) => shanghaiDate(o.placedAt)))]);
  }

  /** PLACED or ALLOCATED -> CANCELLED: releases the allocations (placement.allocated) and the reservation. */
  async cancelOrder(
    principal: Principal,
    number: string,
    reason: string,
    idempotencyKey?: string | null,
  ): Promise<Order> {
    let skuIds: number[] = [];
    return this.move(principal, 'cancelOrder', number, OrderStatus.CANCELLED, {
      key: idempotencyKey,
      input: { number, reason },
      fields: () => ({ cancelledAt: currentTime(), cancelReason: reason }),
      note: reason,
      work: async (m, order) => {
        const allocations = await m.find(Allocation, {
          where: { orderId: order.id },
          order: { lotId: 'ASC', locationId: 'ASC' },
        });
        for (const a of allocations) {
          const changed = await execute(
            m,
            'UPDATE lot_placement SET allocated = allocated - ? WHERE lot_id = ? AND location_id = ? AND allocated >= ?',
            [a.quantity, a.lotId, a.locationId, a.quantity],
          );
          if (changed !== 1) throw new Error(`allocation ${a.id} does not match its placement`);
        }
        if (allocations.length) await m.delete(Allocation, { orderId: order.id });
        const lines = await m.find(OrderLine, { where: { orderId: order.id }, order: { skuId: 'ASC' } });
        for (const line of lines) await bumpStockLevel(m, line.skuId, { reserved: -line.quantity });
        skuIds = lines.map((l) => l.skuId);
      },
      announce: () => this.events.stockChanged(skuIds),
    });
  }

  /**
   * PLACED -> ALLOCATED: earmarks units (placement.allocated) of ACTIVE, unexpired lots
   * first-expiry-first-out, across lots and bins; on_hand and reserved unchanged. All lines or
   * INSUFFICIENT_STOCK and nothing.
   */
  allocateOrder(principal: Principal, number: string, idempotencyKey?: string | null): Promise<Order> {
    return this.move(principal, 'allocateOrder', number, OrderStatus.ALLOCATED, {
      key: idempotencyKey,
      input: { number },
      work: async (m, order) => {
        const lines = await m.find(OrderLine, { where: { orderId: order.id }, order: { skuId: 'ASC' } });
        const skus = await m.findBy(Sku, { id: In(lines.map((l) => l.skuId)) });
        const today = shanghaiToday();
        const short: Shortage[] = [];
        for (const line of lines) {
          const candidates: {
            lot_id: number | string;
            location_id: number | string;
            free: number | string;
          }[] = await m.query(
            `SELECT p.lot_id AS lot_id, p.location_id AS location_id, p.quantity - p.allocated AS free
           FROM lot_placement p JOIN lot l ON l.id = p.lot_id JOIN location loc ON loc.id = p.location_id
           WHERE l.sku_id = ? AND l.status = 'ACTIVE' AND l.expires_on >= ? AND p.quantity > p.allocated
           ORDER BY l.expires_on, l.id, loc.code${forUpdate(m)}`,
            [line.skuId, today],
          );
          let remaining = line.quantity;
          for (const candidate of candidates) {
            if (remaining === 0) break;
            const take = Math.min(remaining, Number(candidate.free));
            const lotId = Number(candidate.lot_id);
            const locationId = Number(candidate.location_id);
            const changed = await execute(
              m,
              'UPDATE lot_placement SET allocated = allocated + ? WHERE lot_id = ? AND location_id = ? AND quantity - allocated >= ?',
              [take, lotId, locationId, take],
            );
            if (changed !== 1) continue;
            await m.insert(Allocation, {
              orderId: order.id,
              orderLineId: line.id,
              lotId,
              locationId,
              quantity: take,
            });
            remaining -= take;
          }
          if (remaining > 0) {
            short.push({
              skuCode: skus.find((s) => s.id === line.skuId)!.code,
              requested: line.quantity,
              available: line.quantity - remaining,
            });
          }
        }
        if (short.length) throw insufficientStock(short);
      },
    });
  }

  /**
   * ALLOCATED -> PICKED: per allocation a PICK movement (-quantity); placement quantity and allocated, lot
   * quantity (DEPLETED at 0), on_hand and reserved all decrease by the units picked.
   */
  async pickOrder(principal: Principal, number: string, idempotencyKey?: string | null): Promise<Order> {
    let skuIds: number[] = [];
    return this.move(principal, 'pickOrder', number, OrderStatus.PICKED, {
      key: idempotencyKey,
      input: { number },
      work: async (m, order) => {
        const allocations = await m.find(Allocation, {
          where: { orderId: order.id },
          order: { lotId: 'ASC', locationId: 'ASC' },
        });
        const lots = await m.findBy(Lot, { id: In([...new Set(allocations.map((a) => a.lotId))]) });
        const unpickable = lots.find(
          (lot) => lot.status !== LotStatus.ACTIVE || lot.expiresOn < shanghaiToday(),
        );
        if (unpickable) {
          throw invalidState(
            `Lot ${unpickable.code} is ${unpickable.effectiveStatus} and may not be shipped; cancel order ${number} and place it again`,
          );
        }
        const lotById = new Map(lots.map((lot) => [lot.id, lot]));
        const bySku = new Map<number, number>();
        const byLot = new Map<number, number>();
        for (const a of allocations) {
          const changed = await execute(
            m,
            'UPDATE lot_placement SET quantity = quantity - ?, allocated = allocated - ? WHERE lot_id = ? AND location_id = ? AND allocated >= ? AND quantity >= ?',
            [a.quantity, a.quantity, a.lotId, a.locationId, a.quantity, a.quantity],
          );
          if (changed !== 1) throw new Error(`allocation ${a.id} does not match its placement`);
          await recordMovement(m, principal.label, lotById.get(a.lotId)!, MovementType.PICK, a.quantity, {
            fromLocationId: a.locationId,
            orderId: order.id,
          });
          const skuId = lotById.get(a.lotId)!.skuId;
          bySku.set(skuId, (bySku.get(skuId) ?? 0) + a.quantity);
          byLot.set(a.lotId, (byLot.get(a.lotId) ?? 0) + a.quantity);
        }
        for (const [skuId, units] of [...bySku].sort(([a], [b]) => a - b))
          await bumpStockLevel(m, skuId, { onHand: -units, reserved: -units });
        for (const [lotId, units] of byLot) {
          const changed = await execute(
            m,
            "UPDATE lot SET status = CASE WHEN quantity_on_hand = ? THEN 'DEPLETED' ELSE status END, quantity_on_hand = quantity_on_hand - ? WHERE id = ? AND quantity_on_hand >= ?",
            [units, units, lotId, units],
          );
          if (changed !== 1) throw new Error(`lot ${lotId} has fewer units than its placements`);
        }
        skuIds = [...bySku.keys()];
      },
      announce: () => this.events.stockChanged(skuIds),
    });
  }

  /** PICKED -> DISPATCHED with carrier, tracking number and parcels. Touches no stock. */
  async dispatchOrder(principal: Principal, input: DispatchOrderInput): Promise<Order> {
    let carrier: Carrier | null = null;
    let dispatchedAt = currentTime();
    return this.move(principal, 'dispatchOrder', input.number, OrderStatus.DISPATCHED, {
      key: input.idempotencyKey,
      input: [
        input.number,
        input.carrierCode,
        input.trackingNumber,
        input.parcels,
        input.weightGrams ?? null,
      ],
      before: async () => {
        carrier = await this.dataSource.getRepository(Carrier).findOneBy({ code: input.carrierCode });
        if (!carrier) throw notFound('Carrier', input.carrierCode, 'carrierCode');
        if (!carrier.active) throw badInput('carrierCode', `Carrier ${carrier.code} is inactive`);
      },
      fields: () => ({
        carrierId: carrier!.id,
        trackingNumber: input.trackingNumber,
        parcels: input.parcels,
        weightGrams: input.weightGrams ?? null,
        dispatchedAt: (dispatchedAt = currentTime()),
      }),
      work: (m, order) => recordOrderDispatched(m, order),
      announce: () => this.events.rollupsChanged([shanghaiDate(dispatchedAt)]),
    });
  }

  /** DISPATCHED -> DELIVERED. Touches no stock. */
  markDelivered(principal: Principal, number: string, idempotencyKey?: string | null): Promise<Order> {
    return this.move(principal, 'markDelivered', number, OrderStatus.DELIVERED, {
      key: idempotencyKey,
      input: { number },
      fields: () => ({ deliveredAt: currentTime() }),
    });
  }

  /**
   * One step of the order state machine (order-transitions.ts) in one transaction: the order read, the
   * conditional UPDATE of `transition`, `work`, and its OrderEvent. With a key, a repeat returns the order
   * as it is now and changes nothing; without one, a repeat is INVALID_STATE. Announces after the commit.
   */
  private async move(
    principal: Principal,
    operation: string,
    number: string,
    to: OrderStatus,
    step: {
      key: string | null | undefined;
      input: unknown;
      before?: () => Promise<void>;
      fields?: () => TransitionFields;
      note?: string | null;
      work?: (m: EntityManager, order: Order) => Promise<void>;
      announce?: () => void;
    },
  ): Promise<Order> {
    const { value: order, replayed } = await runOnce(
      this.dataSource,
      { scope: principal.keyScope, operation, key: step.key, input: step.input },
      {
        before: step.before,
        work: async (m) => {
          const order = await m.findOneBy(Order, { number });
          if (!order || !maySeeOrder(principal, order)) throw notFound('Order', number, 'number');
          await transition(m, order, to, {
            fields: step.fields?.(),
            actor: principal.label,
            note: step.note,
          });
          await step.work?.(m, order);
          return order;
        },
        resultId: (order) => order.id,
        load: (m, id) => m.findOneByOrFail(Order, { id }),
      },
    );
    if (replayed) return order;
    step.announce?.();
    this.events.orderStatusChanged([order.id]);
    return order;
  }

  /** The merchant an order is placed for: the MERCHANT key's own, or ADMIN's merchantCode. */
  private async merchantFor(principal: Principal, merchantCode: string | undefined): Promise<Merchant> {
    if (principal.role === Role.MERCHANT) {
      if (merchantCode != null && merchantCode !== principal.merchant!.code)
        throw forbidden('A MERCHANT key places orders only for its own merchant');
      return principal.merchant!;
    }
    if (merchantCode == null) throw badInput('merchantCode', 'merchantCode is required for this key');
    const merchant = await this.dataSource.getRepository(Merchant).findOneBy({ code: merchantCode });
    if (!merchant) throw notFound('Merchant', merchantCode, 'merchantCode');
    return merchant;
  }
}

/** The id an idByCode join read as `alias`_id; NOT_FOUND on `field` for a code that names no row. */
function idRead(
  row: Record<string, unknown>,
  alias: string,
  code: string | null,
  what: string,
  field: string,
): number | null {
  if (code == null) return null;
  const id = row[`${alias}_id`] as number | string | null;
  if (id == null) throw notFound(what, code, field);
  return Number(id);
}

/** 1..100 lines (class-validator) and each SKU once. */
function checkLines(input: PlaceOrderInput): void {
  const seen = new Set<string>();
  input.lines.forEach((line, i) => {
    if (seen.has(line.skuCode))
      throw badInput(
        `lines.${i}.skuCode`,
        `${line.skuCode} appears on more than one line; order each SKU once`,
      );
    seen.add(line.skuCode);
  });
}

/** A village station, or recipient name, phone and address. */
function checkDestination(input: DestinationInput) {
  const destination = {
    stationCode: input.stationCode ?? null,
    recipientName: input.recipientName ?? null,
    recipientPhone: input.recipientPhone ?? null,
    address: input.address ?? null,
    city: input.city ?? null,
    province: input.province ?? null,
  };
  if (destination.stationCode === null) {
    const missing = (['recipientName', 'recipientPhone', 'address'] as const).filter(
      (key) => destination[key] === null,
    );
    if (missing.length === 3)
      throw badInput(
        'destination',
        'destination needs a stationCode, or recipientName, recipientPhone and address',
      );
    if (missing.length)
      throw badInput(
        `destination.${missing[0]}`,
        `destination without a station needs ${missing.join(', ')}`,
      );
  }
  return destination;
}

/** Every short line with what is available now (read after the rollback). */
async function shortages(dataSource: DataSource, lines: Shortfall['lines']): Promise<Shortage[]> {
  const available = await availableBySku(
    dataSource,
    lines.map((l) => l.skuId),
  );
  return lines.map((l) => ({
    skuCode: l.skuCode,
    requested: l.requested,
    available: available.get(l.skuId) ?? 0,
  }));
}
