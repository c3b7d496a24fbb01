import { DataSource, EntityManager, In } from 'typeorm';
import { maySeeOrder, ownOrdersOnly } from '../auth/access-policy';
import { Principal } from '../auth/principal';
import { Carrier } from '../catalog/carrier.entity';
import { Sku } from '../catalog/sku.entity';
import { VillageStation } from '../catalog/village-station.entity';
import { recordOrderDispatched, recordOrderPlaced } from '../dashboard/rollup.service';
import { GatewayEvents } from '../events';
import { Connection, ConnectionArgs, paginate } from '../graphql/connection';
import { LotStatus, MovementType, OrderStatus, Role } from '../graphql/enums';
import { merchantScope, runOnce } from '../idempotency/idempotency.service';
import { badInput, forbidden, insufficientStock, invalidState, notFound, Shortage } from '../graphql/errors';
import { Lot } from '../stock/lot.entity';
import {
  availableBySku,
  bumpStockLevel,
  compactDate,
  execute,
  forUpdate,
  recordMovement,
  takeAvailable,
  temporaryCode,
} from '../stock/stock-sql';
import { currentTime, shanghaiDate, shanghaiToday } from '../time';
import { recordOrderChanged, recordStockChanged } from '../webhooks/webhook-outbox';
import { Allocation } from './allocation.entity';
import { Merchant } from './merchant.entity';
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

/** Merchants' orders; a merchant only ever sees its own. */
export class OrderService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: GatewayEvents,
  ) {}

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
   * in ascending SKU id order. Idempotent by (merchant, idempotencyKey).
   */
  async placeOrder(principal: Principal, input: PlaceOrderInput): Promise<Order> {
    const merchant = await this.merchantFor(principal, input.merchantCode);
    checkLines(input);
    const destination = checkDestination(input.destination);
    let skus = new Map<string, Sku>();
    let placedLines: OrderLine[] = [];
    let placed: { value: Order; replayed: boolean };
    try {
      placed = await runOnce(
        this.dataSource,
        {
          scope: merchantScope(merchant.id),
          operation: 'placeOrder',
          key: input.idempotencyKey,
          input: [input.lines.map((l) => [l.skuCode, l.quantity]), destination, input.carrierCode ?? null],
        },
        {
          // What cannot be met now is refused before any write or lock (a flash sale refuses most requests);
          // what can is still decided only by the conditional UPDATEs below. A replay never gets here.
          before: async () => {
            skus = await this.skusFor(this.dataSource.manager, input);
            const lacking = (
              await shortages(
                this.dataSource,
                input.lines.map((l) => ({
                  skuId: skus.get(l.skuCode)!.id,
                  skuCode: l.skuCode,
                  requested: l.quantity,
                })),
              )
            ).filter((s) => s.requested > s.available);
            if (lacking.length) throw insufficientStock(lacking);
          },
          work: async (m) => {
            const { order, lines } = await this.createOrder(m, principal, merchant, input, skus, destination);
            placedLines = lines;
            return order;
          },
          resultId: (order) => order.id,
          load: (m, id) => m.findOneByOrFail(Order, { id }),
        },
      );
    } catch (error) {
      if (error instanceof Shortfall) throw insufficientStock(await shortages(this.dataSource, error.lines));
      throw error;
    }
    if (placed.replayed) return placed.value;
    this.events.stockChanged(placedLines.map((l) => l.skuId));
    this.events.orderStatusChanged([placed.value.id]);
    this.events.rollupsChanged([shanghaiDate(placed.value.placedAt)]);
    return placed.value;
  }

  /** The order, its lines, event and rollups, then the reservations; Shortfall when one cannot be met. */
  private async createOrder(
    m: EntityManager,
    principal: Principal,
    merchant: Merchant,
    input: PlaceOrderInput,
    skus: Map<string, Sku>,
    destination: ReturnType<typeof checkDestination>,
  ): Promise<{ order: Order; lines: OrderLine[] }> {
    const stationId = await this.idOf(
      m,
      VillageStation,
      destination.stationCode,
      'Village station',
      'destination.stationCode',
    );
    const carrierId = await this.idOf(m, Carrier, input.carrierCode ?? null, 'Carrier', 'carrierCode');
    const now = currentTime();
    const order = await m.save(
      m.create(Order, {
        number: temporaryCode('GD'),
        merchantId: merchant.id,
        status: OrderStatus.PLACED,
        totalFen: 0n,
        stationId,
        recipientName: destination.recipientName,
        recipientPhone: destination.recipientPhone,
        address: destination.address,
        city: destination.city,
        province: destination.province,
        carrierId,
        trackingNumber: null,
        parcels: null,
        weightGrams: null,
        placedAt: now,
        updatedAt: now,
        dispatchedAt: null,
        deliveredAt: null,
        cancelledAt: null,
        cancelReason: null,
      }),
    );
    order.number = `GD-${compactDate(shanghaiDate(now))}-${String(order.id).padStart(6, '0')}`;
    const lines = await m.save(
      input.lines.map((line) => {
        const sku = skus.get(line.skuCode)!;
        return m.create(OrderLine, {
          orderId: order.id,
          skuId: sku.id,
          quantity: line.quantity,
          unitPriceFen: sku.priceFen,
          lineTotalFen: sku.priceFen * BigInt(line.quantity),
        });
      }),
    );
    order.totalFen = lines.reduce((sum, line) => sum + line.lineTotalFen, 0n);
    await m.update(Order, { id: order.id }, { number: order.number, totalFen: order.totalFen });
    await m.insert(OrderEvent, {
      orderId: order.id,
      status: OrderStatus.PLACED,
      at: now,
      actor: principal.label,
      note: null,
    });
    await recordOrderPlaced(m, order);
    await recordOrderChanged(m, order.id);
    // Reservations come last, so the stock-level row locks they take are held only until the commit.
    const short: Shortfall['lines'] = [];
    for (const line of [...lines].sort((a, b) => a.skuId - b.skuId)) {
      if (!(await takeAvailable(m, line.skuId, line.quantity, 'reserve'))) {
        short.push({
          skuId: line.skuId,
          skuCode: input.lines.find((l) => skus.get(l.skuCode)!.id === line.skuId)!.skuCode,
          requested: line.quantity,
        });
      }
    }
    if (short.length) throw new Shortfall(short);
    await recordStockChanged(
      m,
      lines.map((l) => ({ skuId: l.skuId, reserved: l.quantity })),
    );
    return { order, lines };
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

  /** The order's SKUs by code; unknown is NOT_FOUND and inactive BAD_USER_INPUT, naming the line. */
  private async skusFor(m: EntityManager, input: PlaceOrderInput): Promise<Map<string, Sku>> {
    const skus = await m.findBy(Sku, { code: In(input.lines.map((l) => l.skuCode)) });
    const byCode = new Map(skus.map((s) => [s.code, s]));
    input.lines.forEach((line, i) => {
      const sku = byCode.get(line.skuCode);
      if (!sku) throw notFound('SKU', line.skuCode, `lines.${i}.skuCode`);
      if (!sku.active)
        throw badInput(`lines.${i}.skuCode`, `SKU ${sku.code} is inactive and cannot be ordered`);
    });
    return byCode;
  }

  private async idOf(
    m: EntityManager,
    entity: typeof VillageStation | typeof Carrier,
    code: string | null,
    what: string,
    field: string,
  ): Promise<number | null> {
    if (code == null) return null;
    const row = await m.getRepository<{ id: number }>(entity).findOneBy({ code } as never);
    if (!row) throw notFound(what, code, field);
    return row.id;
  }
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
