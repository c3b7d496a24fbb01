import { DataSource, EntityManager, In } from 'typeorm';
import { Principal } from '../auth/principal';
import { Sku } from '../catalog/sku.entity';
import { recordOrderReturned } from '../dashboard/rollup.service';
import { GatewayEvents } from '../events';
import { MovementType, OrderStatus, ReturnCondition } from '../graphql/enums';
import { badInput, invalidState, notFound } from '../graphql/errors';
import { runOnce } from '../idempotency/idempotency.service';
import { Location } from '../catalog/location.entity';
import { addUnits, binFor, lockLots } from '../stock/lot-units';
import { forUpdate, recordMovement } from '../stock/stock-sql';
import { currentTime, shanghaiDate } from '../time';
import { OrderReturn } from './order-return.entity';
import { statusesBefore, touchOrder, transition } from './order-transitions';
import { Order } from './order.entity';
import { ReturnLine } from './return-line.entity';
import { ReturnOrderInput } from './return.inputs';

interface Recorded {
  order: Order;
  returnId: number;
  /** SKUs whose on-hand changed (RESALEABLE lines). */
  skuIds: number[];
  /** Whether the order became RETURNED. */
  returned: boolean;
  /** The Shanghai day whose rollup row the return changed. */
  day: string;
}

type Row = Record<string, number | string>;

/** Parcels that come back (DESIGN.md rule 8). */
export class ReturnService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: GatewayEvents,
  ) {}

  /**
   * DISPATCHED or DELIVERED: records a return. RESALEABLE units re-enter the lots they were picked from in
   * the given bin (RETURN movements, + on_hand; held_or_expired for HELD and EXPIRED lots); DAMAGED units
   * are recorded only. The order becomes RETURNED once every shipped unit is back. Idempotent by (caller,
   * idempotencyKey).
   */
  async returnOrder(principal: Principal, input: ReturnOrderInput): Promise<Order> {
    checkLines(input);
    const { value, replayed } = await runOnce(
      this.dataSource,
      {
        scope: principal.keyScope,
        operation: 'returnOrder',
        key: input.idempotencyKey,
        input: [
          input.number,
          input.lines.map((l) => [l.skuCode, l.quantity, l.condition]),
          input.locationCode ?? null,
          input.reason,
        ],
      },
      {
        work: (m) => this.record(m, principal, input),
        resultId: (recorded) => recorded.returnId,
        load: async (m, returnId) => {
          const earlier = await m.findOneByOrFail(OrderReturn, { id: returnId });
          const order = await m.findOneByOrFail(Order, { id: earlier.orderId });
          return { order, returnId, skuIds: [], returned: false, day: shanghaiDate(earlier.at) };
        },
      },
    );
    if (!replayed) {
      this.events.stockChanged(value.skuIds);
      this.events.rollupsChanged([value.day]);
      if (value.returned) this.events.orderStatusChanged([value.order.id]);
    }
    return value.order;
  }

  private async record(m: EntityManager, principal: Principal, input: ReturnOrderInput): Promise<Recorded> {
    // The order row is locked first: returns of one order are recorded one at a time.
    const rows: Row[] = await m.query(`SELECT id FROM orders WHERE number = ?${forUpdate(m)}`, [
      input.number,
    ]);
    if (rows.length === 0) throw notFound('Order', input.number, 'number');
    const order = await m.findOneByOrFail(Order, { id: Number(rows[0].id) });
    const may = statusesBefore(OrderStatus.RETURNED);
    if (!may.includes(order.status))
      throw invalidState(
        `Order ${order.number} is ${order.status}; only a ${may.join(' or ')} order can take a return`,
      );
    const skus = await m.findBy(Sku, { code: In(input.lines.map((l) => l.skuCode)) });
    const skuByCode = new Map(skus.map((sku) => [sku.code, sku]));
    const picked: Row[] = await m.query(
      `SELECT sku_id, lot_id, SUM(quantity) AS units FROM stock_movement
        WHERE order_id = ? AND type = 'PICK' GROUP BY sku_id, lot_id ORDER BY sku_id, lot_id`,
      [order.id],
    );
    const returnedBySku = sumBy(
      await m.query(
        'SELECT sku_id, SUM(quantity) AS units FROM return_line WHERE order_id = ? GROUP BY sku_id',
        [order.id],
      ),
      'sku_id',
    );
    const backInLot = sumBy(
      await m.query(
        "SELECT lot_id, SUM(quantity) AS units FROM stock_movement WHERE order_id = ? AND type = 'RETURN' GROUP BY lot_id",
        [order.id],
      ),
      'lot_id',
    );
    const shippedBySku = sumBy(picked, 'sku_id');
    input.lines.forEach((line, i) => {
      const sku = skuByCode.get(line.skuCode);
      if (!sku) throw notFound('SKU', line.skuCode, `lines.${i}.skuCode`);
      const shipped = shippedBySku.get(sku.id);
      if (shipped === undefined)
        throw badInput(`lines.${i}.skuCode`, `Order ${order.number} has no ${sku.code} to return`);
      const before = returnedBySku.get(sku.id) ?? 0;
      if (line.quantity > shipped - before)
        throw badInput(
          `lines.${i}.quantity`,
          `At most ${shipped - before} of ${sku.code} can come back (${shipped} shipped, ${before} returned before), got ${line.quantity}`,
        );
    });
    const resaleable = input.lines.filter((l) => l.condition === ReturnCondition.RESALEABLE);
    let location: Location | null = null;
    if (resaleable.length) {
      if (input.locationCode == null)
        throw badInput('locationCode', 'locationCode is required: RESALEABLE units go back into a bin');
      for (const line of resaleable)
        location = await binFor(m, input.locationCode, 'locationCode', skuByCode.get(line.skuCode)!);
    }

    const now = currentTime();
    const saved = await m.save(
      m.create(OrderReturn, { orderId: order.id, reason: input.reason, actor: principal.label, at: now }),
    );
    const lots = await lockLots(
      m,
      picked.map((p) => Number(p.lot_id)),
    );
    for (const line of input.lines) {
      const sku = skuByCode.get(line.skuCode)!;
      const returnLine = await m.save(
        m.create(ReturnLine, {
          returnId: saved.id,
          orderId: order.id,
          skuId: sku.id,
          quantity: line.quantity,
          condition: line.condition,
        }),
      );
      if (line.condition !== ReturnCondition.RESALEABLE) continue;
      // Back into the lots the units were picked from, each at most what it shipped less what came back.
      let left = line.quantity;
      for (const pick of picked.filter((p) => Number(p.sku_id) === sku.id)) {
        const lot = lots.get(Number(pick.lot_id))!;
        const units = Math.min(left, Number(pick.units) - (backInLot.get(lot.id) ?? 0));
        if (units <= 0) continue;
        await addUnits(m, lot, location!.id, units);
        await recordMovement(m, principal.label, lot, MovementType.RETURN, units, {
          toLocationId: location!.id,
          orderId: order.id,
          returnLineId: returnLine.id,
          note: input.reason,
          occurredAt: now,
        });
        backInLot.set(lot.id, (backInLot.get(lot.id) ?? 0) + units);
        left -= units;
        if (left === 0) break;
      }
      if (left !== 0) throw new Error(`order ${order.id}: ${left} units of SKU ${sku.id} match no pick`);
    }
    await recordOrderReturned(m, saved.id);
    const shipped = [...shippedBySku.values()].reduce((a, b) => a + b, 0);
    const back =
      [...returnedBySku.values()].reduce((a, b) => a + b, 0) +
      input.lines.reduce((a, l) => a + l.quantity, 0);
    const returned = back === shipped;
    if (returned)
      await transition(m, order, OrderStatus.RETURNED, {
        actor: principal.label,
        note: input.reason,
        at: now,
      });
    else await touchOrder(m, order, now);
    return {
      order,
      returnId: saved.id,
      skuIds: [...new Set(resaleable.map((l) => skuByCode.get(l.skuCode)!.id))],
      returned,
      day: shanghaiDate(now),
    };
  }
}

/** Each SKU at most once (class-validator checks 1 to 100 lines). */
function checkLines(input: ReturnOrderInput): void {
  const seen = new Set<string>();
  input.lines.forEach((line, i) => {
    if (seen.has(line.skuCode))
      throw badInput(
        `lines.${i}.skuCode`,
        `${line.skuCode} appears on more than one line; return each SKU once`,
      );
    seen.add(line.skuCode);
  });
}

function sumBy(rows: Row[], key: string): Map<number, number> {
  const sums = new Map<number, number>();
  for (const row of rows) sums.set(Number(row[key]), (sums.get(Number(row[key])) ?? 0) + Number(row.units));
  return sums;
}
