import { currentTime } from '../time';
import { DataSource, EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { GatewayEvents } from '../events';
import { AdjustmentReason, MovementType } from '../graphql/enums';
import { conflict, invalidState, notFound } from '../graphql/errors';
import { runOnce } from '../idempotency/idempotency.service';
import { addUnits, binFor, lockLot, removeUnits } from './lot-units';
import { Lot } from './lot.entity';
import { StockCount } from './stock-count.entity';
import { forUpdate, recordMovement } from './stock-sql';
import { CountStockInput } from './stock.inputs';

/** Stocktakes (DESIGN.md rule 9): a count of one bin, written as the COUNT_CORRECTION of the difference. */
export class StockCountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: GatewayEvents,
  ) {}

  /**
   * Records what was counted in one bin of one lot: a StockCount, and when the books differ an ADJUSTMENT
   * (COUNT_CORRECTION) of the difference with lot, placement and on_hand changed as by adjustStock (HELD and
   * EXPIRED lots too). With expectedQuantity a compare-and-set: CONFLICT when the bin holds another quantity.
   * Idempotent by (caller, idempotencyKey).
   */
  async countStock(principal: Principal, input: CountStockInput): Promise<StockCount> {
    const { value, replayed } = await runOnce(
      this.dataSource,
      {
        scope: principal.keyScope,
        operation: 'countStock',
        key: input.idempotencyKey,
        input: [
          input.lotCode,
          input.locationCode,
          input.countedQuantity,
          input.expectedQuantity ?? null,
          input.note ?? null,
        ],
      },
      {
        work: (m) => this.record(m, principal, input),
        resultId: (count) => count.id,
        load: (m, id) => m.findOneByOrFail(StockCount, { id }),
      },
    );
    if (!replayed && value.movementId !== null) {
      const lot = await this.dataSource.getRepository(Lot).findOneByOrFail({ id: value.lotId });
      this.events.stockChanged([lot.skuId]);
    }
    return value;
  }

  private async record(m: EntityManager, principal: Principal, input: CountStockInput): Promise<StockCount> {
    const lot = await lockLot(m, input.lotCode, 'lotCode');
    const sku = await m.findOneByOrFail(Sku, { id: lot.skuId });
    const location = await m.findOneBy(Location, { code: input.locationCode });
    if (!location) throw notFound('Location', input.locationCode, 'locationCode');
    const rows: { quantity: number | string; allocated: number | string }[] = await m.query(
      `SELECT quantity, allocated FROM lot_placement WHERE lot_id = ? AND location_id = ?${forUpdate(m)}`,
      [lot.id, location.id],
    );
    const previous = rows.length ? Number(rows[0].quantity) : 0;
    const allocated = rows.length ? Number(rows[0].allocated) : 0;
    if (input.expectedQuantity != null && input.expectedQuantity !== previous)
      throw conflict(
        `Bin ${location.code} holds ${previous} of lot ${lot.code} now, not the ${input.expectedQuantity} expected; count it again`,
        'expectedQuantity',
      );
    const delta = input.countedQuantity - previous;
    if (input.countedQuantity < allocated) {
      const orders: { number: string }[] = await m.query(
        `SELECT DISTINCT o.number AS number FROM allocation a JOIN orders o ON o.id = a.order_id
          WHERE a.lot_id = ? AND a.location_id = ? AND o.status = 'ALLOCATED' ORDER BY o.number`,
        [lot.id, location.id],
      );
      throw invalidState(
        `${allocated} units of lot ${lot.code} in bin ${location.code} are allocated to ${orders.map((o) => o.number).join(', ')}; a count of ${input.countedQuantity} is below that: pick or cancel those orders first`,
      );
    }
    let movementId: number | null = null;
    if (delta !== 0) {
      if (delta < 0) {
        await removeUnits(m, lot, sku, location.id, -delta);
      } else {
        // Units found in a bin the lot was not in yet must suit the SKU's zone.
        if (rows.length === 0) await binFor(m, location.code, 'locationCode', sku);
        await addUnits(m, lot, location.id, delta);
      }
      const movement = await recordMovement(
        m,
        principal.label,
        lot,
        MovementType.ADJUSTMENT,
        Math.abs(delta),
        {
          onHandDelta: delta,
          reason: AdjustmentReason.COUNT_CORRECTION,
          note: input.note ?? null,
          ...(delta < 0 ? { fromLocationId: location.id } : { toLocationId: location.id }),
        },
      );
      movementId = movement.id;
    }
    return m.save(
      m.create(StockCount, {
        lotId: lot.id,
        locationId: location.id,
        previousQuantity: previous,
        countedQuantity: input.countedQuantity,
        movementId,
        actor: principal.label,
        countedAt: currentTime(),
      }),
    );
  }
}
