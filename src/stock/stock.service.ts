import { DataSource, EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { Farm } from '../catalog/farm.entity';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { inTransaction } from '../db/transaction';
import { runOnce } from '../idempotency/idempotency.service';
import { GatewayEvents } from '../events';
import { Connection, ConnectionArgs, paginate } from '../graphql/connection';
import { LotStatus, MovementType } from '../graphql/enums';
import { badInput, invalidState, notFound } from '../graphql/errors';
import { addDays, currentTime, shanghaiDate, shanghaiToday } from '../time';
import { recordLotHeld, recordStockChanged } from '../webhooks/webhook-outbox';
import { applyLotFilter } from './lot-filter';
import { addUnits, binFor, lockLot, putIntoPlacement, removeUnits, takeFromPlacement } from './lot-units';
import { LotPlacement } from './lot-placement.entity';
import { LotShipment, LotTrace } from './lot-trace.type';
import { Lot } from './lot.entity';
import { StockMovement } from './stock-movement.entity';
import {
  bumpStockLevel,
  lotCode,
  execute,
  forUpdate,
  recordMovement,
  sqlInstant,
  temporaryCode,
} from './stock-sql';
import { AdjustStockInput, LotFilter, MovementFilter, MoveStockInput, ReceiveLotInput } from './stock.inputs';

/** Lots, bins and the stock ledger. */
export class StockService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: GatewayEvents,
  ) {}

  lotByCode(code: string): Promise<Lot | null> {
    return this.dataSource.getRepository(Lot).findOneBy({ code });
  }

  lots(args: ConnectionArgs, filter: LotFilter = {}): Promise<Connection<Lot>> {
    const query = this.dataSource.getRepository(Lot).createQueryBuilder('lot');
    applyLotFilter(query, filter);
    return paginate(query, args);
  }

  /** The ledger, newest first. */
  movements(args: ConnectionArgs, filter: MovementFilter = {}): Promise<Connection<StockMovement>> {
    const query = this.dataSource.getRepository(StockMovement).createQueryBuilder('movement');
    if (filter.skuCode != null) {
      query.andWhere(
        (sub) =>
          `movement.sku_id IN ${sub.subQuery().select('s.id').from(Sku, 's').where('s.code = :skuCode').getQuery()}`,
        { skuCode: filter.skuCode },
      );
    }
    if (filter.lotCode != null) {
      query.andWhere(
        (sub) =>
          `movement.lot_id IN ${sub.subQuery().select('l.id').from(Lot, 'l').where('l.code = :lotCode').getQuery()}`,
        { lotCode: filter.lotCode },
      );
    }
    if (filter.type != null) query.andWhere('movement.type = :type', { type: filter.type });
    if (filter.from != null) query.andWhere('movement.occurred_at >= :from', { from: filter.from });
    if (filter.to != null) query.andWhere('movement.occurred_at < :to', { to: filter.to });
    return paginate(query, args, null, 'DESC');
  }

  locationByCode(code: string): Promise<Location | null> {
    return this.dataSource.getRepository(Location).findOneBy({ code });
  }

  /** Where every unit of a lot went, from the ledger in two queries; null for an unknown lot. */
  async traceLot(code: string): Promise<LotTrace | null> {
    const lot = await this.lotByCode(code);
    if (!lot) return null;
    const byType: { type: MovementType; units: number | string }[] = await this.dataSource.query(
      'SELECT type, SUM(on_hand_delta) AS units FROM stock_movement WHERE lot_id = ? GROUP BY type',
      [lot.id],
    );
    const net = (type: MovementType) => Number(byType.find((row) => row.type === type)?.units ?? 0);
    const shipments: { order_id: number | string; units: number | string }[] = await this.dataSource.query(
      "SELECT order_id, SUM(quantity) AS units FROM stock_movement WHERE lot_id = ? AND type = 'PICK' GROUP BY order_id ORDER BY order_id",
      [lot.id],
    );
    return Object.assign(new LotTrace(), {
      lot,
      unitsReceived: net(MovementType.RECEIPT),
      unitsOnHand: lot.quantityOnHand,
      unitsShipped: -net(MovementType.PICK),
      unitsReturned: net(MovementType.RETURN),
      unitsWrittenOff: -(net(MovementType.EXPIRY) + net(MovementType.ADJUSTMENT)),
      shipments: shipments.map((row) =>
        Object.assign(new LotShipment(), { orderId: Number(row.order_id), quantity: Number(row.units) }),
      ),
    });
  }

  // ---- warehouse writes (WAREHOUSE and ADMIN) -----------------------------

  /**
   * Receives a new lot into one bin: lot, placement, RECEIPT movement (+quantity), on_hand += quantity.
   * Idempotent by (caller, idempotencyKey): a replay returns the first lot, other input is CONFLICT.
   */
  async receiveLot(principal: Principal, input: ReceiveLotInput): Promise<Lot> {
    const { value: lot, replayed } = await runOnce(
      this.dataSource,
      {
        scope: principal.keyScope,
        operation: 'receiveLot',
        key: input.idempotencyKey,
        input: [
          input.skuCode,
          input.farmCode,
          input.quantity,
          input.locationCode,
          input.harvestedOn ?? null,
          input.expiresOn ?? null,
        ],
      },
      {
        work: async (m) => {
          const sku = await m.findOneBy(Sku, { code: input.skuCode });
          if (!sku) throw notFound('SKU', input.skuCode, 'skuCode');
          if (!sku.active) throw badInput('skuCode', `SKU ${sku.code} is inactive`);
          const farm = await m.findOneBy(Farm, { code: input.farmCode });
          if (!farm) throw notFound('Farm', input.farmCode, 'farmCode');
          const location = await binFor(m, input.locationCode, 'locationCode', sku);
          const now = currentTime();
          const receivedOn = shanghaiDate(now);
          const expiresOn = input.expiresOn ?? addDays(receivedOn, sku.shelfLifeDays);
          if (input.harvestedOn && expiresOn < input.harvestedOn) {
            throw badInput(
              'expiresOn',
              `expiresOn must not be before harvestedOn (${input.harvestedOn}), got ${expiresOn}`,
            );
          }
          const created = await m.save(
            m.create(Lot, {
              code: temporaryCode('LOT'),
              skuId: sku.id,
              farmId: farm.id,
              status: LotStatus.ACTIVE,
              receivedAt: now,
              harvestedOn: input.harvestedOn ?? null,
              expiresOn,
              quantityReceived: input.quantity,
              quantityOnHand: input.quantity,
              holdReason: null,
            }),
          );
          created.code = lotCode(receivedOn, created.id);
          await m.update(Lot, { id: created.id }, { code: created.code });
          await m.insert(LotPlacement, {
            lotId: created.id,
            locationId: location.id,
            quantity: input.quantity,
            allocated: 0,
          });
          await recordMovement(m, principal.label, created, MovementType.RECEIPT, input.quantity, {
            toLocationId: location.id,
            occurredAt: now,
          });
          await bumpStockLevel(m, sku.id, { onHand: input.quantity });
          return created;
        },
        resultId: (lot) => lot.id,
        load: (m, id) => m.findOneByOrFail(Lot, { id }),
      },
    );
    if (!replayed) this.events.stockChanged([lot.skuId]);
    return lot;
  }

  /**
   * Moves free (unallocated) units of a lot between bins of its zone: TRANSFER movement, on_hand unchanged.
   */
  async moveStock(principal: Principal, input: MoveStockInput): Promise<Lot> {
    const { value } = await runOnce(
      this.dataSource,
      {
        scope: principal.keyScope,
        operation: 'moveStock',
        key: input.idempotencyKey,
        input: [input.lotCode, input.fromLocationCode, input.toLocationCode, input.quantity],
      },
      {
        work: async (m) => {
          const lot = await lockLot(m, input.lotCode, 'lotCode');
          const sku = await m.findOneByOrFail(Sku, { id: lot.skuId });
          const from = await m.findOneBy(Location, { code: input.fromLocationCode });
          if (!from) throw notFound('Location', input.fromLocationCode, 'fromLocationCode');
          const to = await binFor(m, input.toLocationCode, 'toLocationCode', sku);
          if (to.id === from.id)
            throw badInput('toLocationCode', 'toLocationCode must differ from fromLocationCode');
          await takeFromPlacement(m, lot, sku, from.id, input.quantity);
          await putIntoPlacement(m, lot.id, to.id, input.quantity);
          await recordMovement(m, principal.label, lot, MovementType.TRANSFER, input.quantity, {
            fromLocationId: from.id,
            toLocationId: to.id,
            onHandDelta: 0,
          });
          return lot;
        },
        resultId: (lot) => lot.id,
        load: (m, id) => m.findOneByOrFail(Lot, { id }),
      },
    );
    return value;
  }

  /**
   * Corrects a lot's units in one bin: ADJUSTMENT movement, lot, placement and on_hand change by delta
   * (held_or_expired too for a HELD lot). A decrease may take neither allocated nor reserved units.
   */
  async adjustStock(principal: Principal, input: AdjustStockInput): Promise<StockMovement> {
    const { value: movement, replayed } = await runOnce(
      this.dataSource,
      {
        scope: principal.keyScope,
        operation: 'adjustStock',
        key: input.idempotencyKey,
        input: [input.lotCode, input.locationCode, input.delta, input.reason, input.note ?? null],
      },
      {
        work: (m) => this.adjust(m, principal, input),
        resultId: (movement) => movement.id,
        load: (m, id) => m.findOneByOrFail(StockMovement, { id }),
      },
    );
    if (!replayed) this.events.stockChanged([movement.skuId]);
    return movement;
  }

  private async adjust(
    m: EntityManager,
    principal: Principal,
    input: AdjustStockInput,
  ): Promise<StockMovement> {
    const lot = await lockLot(m, input.lotCode, 'lotCode');
    if (lot.status === LotStatus.EXPIRED)
      throw invalidState(`Lot ${lot.code} was written off as expired; it cannot be adjusted`);
    const sku = await m.findOneByOrFail(Sku, { id: lot.skuId });
    const units = Math.abs(input.delta);
    let locationId: number;
    if (input.delta < 0) {
      const location = await m.findOneBy(Location, { code: input.locationCode });
      if (!location) throw notFound('Location', input.locationCode, 'locationCode');
      locationId = location.id;
      await removeUnits(m, lot, sku, location.id, units);
    } else {
      locationId = (await binFor(m, input.locationCode, 'locationCode', sku)).id;
      await addUnits(m, lot, locationId, units);
    }
    return recordMovement(m, principal.label, lot, MovementType.ADJUSTMENT, units, {
      onHandDelta: input.delta,
      reason: input.reason,
      note: input.note ?? null,
      ...(input.delta < 0 ? { fromLocationId: locationId } : { toLocationId: locationId }),
    });
  }

  /** ACTIVE -> HELD: the lot's on-hand units move into held_or_expired (no longer available). */
  async holdLot(principal: Principal, code: string, reason: string, idempotencyKey?: string | null) {
    return this.changeHold(
      principal,
      'holdLot',
      idempotencyKey,
      code,
      LotStatus.ACTIVE,
      LotStatus.HELD,
      reason,
    );
  }

  /** HELD -> ACTIVE: the lot's on-hand units leave held_or_expired (available again unless expired). */
  async releaseLot(principal: Principal, code: string, idempotencyKey?: string | null): Promise<Lot> {
    return this.changeHold(
      principal,
      'releaseLot',
      idempotencyKey,
      code,
      LotStatus.HELD,
      LotStatus.ACTIVE,
      null,
    );
  }

  /** With a key, a repeat returns the lot as it is now and changes nothing; without, it is INVALID_STATE. */
  private async changeHold(
    principal: Principal,
    operation: 'holdLot' | 'releaseLot',
    key: string | null | undefined,
    code: string,
    from: LotStatus,
    to: LotStatus,
    reason: string | null,
  ): Promise<Lot> {
    const { value: lot, replayed } = await runOnce(
      this.dataSource,
      { scope: principal.keyScope, operation, key, input: [code, reason] },
      {
        work: (m) => this.setHold(m, code, from, to, reason),
        resultId: (lot) => lot.id,
        load: (m, id) => m.findOneByOrFail(Lot, { id }),
      },
    );
    if (!replayed) this.events.stockChanged([lot.skuId]);
    return lot;
  }

  private async setHold(
    m: EntityManager,
    code: string,
    from: LotStatus,
    to: LotStatus,
    reason: string | null,
  ): Promise<Lot> {
    const found = await m.findOneBy(Lot, { code });
    if (!found) throw notFound('Lot', code, 'code');
    const changed = await execute(
      m,
      'UPDATE lot SET status = ?, hold_reason = ? WHERE id = ? AND status = ?',
      [to, reason, found.id, from],
    );
    if (changed !== 1)
      throw invalidState(
        `Lot ${code} is ${found.effectiveStatus}; only a${from === LotStatus.ACTIVE ? 'n ACTIVE lot can be held' : ' HELD lot can be released'}`,
      );
    const sign = to === LotStatus.HELD ? '+' : '-';
    await execute(
      m,
      `UPDATE stock_level SET held_or_expired = held_or_expired ${sign} (SELECT quantity_on_hand FROM lot WHERE id = ?), updated_at = ? WHERE sku_id = ?`,
      [found.id, sqlInstant(m), found.skuId],
    );
    if (to === LotStatus.HELD) {
      await recordStockChanged(m, [{ skuId: found.skuId, heldOrExpired: found.quantityOnHand }]);
      await recordLotHeld(m, found.id, reason ?? '');
    }
    return m.findOneByOrFail(Lot, { id: found.id });
  }

  /**
   * ACTIVE lots past expiry (before `asOf`) become EXPIRED: EXPIRY movements per bin, placements and lot
   * emptied,
   * on_hand reduced. Lots with units allocated to an order are left for the next run (the order is picked or
   * cancelled first). Returns the units written off; a second run writes off 0.
   */
  async writeOffExpired(principal: Principal, asOf: string = shanghaiToday()): Promise<number> {
    if (asOf > shanghaiToday())
      throw badInput('asOf', `asOf must not be after today (${shanghaiToday()}), got ${asOf}`);
    const { units, skuIds } = await inTransaction(this.dataSource, async (m) => {
      const lots: { id: number | string }[] = await m.query(
        `SELECT id FROM lot WHERE status = 'ACTIVE' AND expires_on < ? AND quantity_on_hand > 0
         AND NOT EXISTS (SELECT 1 FROM lot_placement p WHERE p.lot_id = lot.id AND p.allocated > 0) ORDER BY id${forUpdate(m)}`,
        [asOf],
      );
      let total = 0;
      const touched = new Set<number>();
      for (const { id } of lots) {
        const lot = await m.findOneByOrFail(Lot, { id: Number(id) });
        const placements = await m.find(LotPlacement, {
          where: { lotId: lot.id },
          order: { locationId: 'ASC' },
        });
        for (const placement of placements.filter((p) => p.quantity > 0)) {
          await recordMovement(m, principal.label, lot, MovementType.EXPIRY, placement.quantity, {
            fromLocationId: placement.locationId,
          });
        }
        await execute(m, 'UPDATE lot_placement SET quantity = 0 WHERE lot_id = ? AND allocated = 0', [
          lot.id,
        ]);
        await execute(
          m,
          "UPDATE lot SET status = 'EXPIRED', quantity_on_hand = 0 WHERE id = ? AND status = 'ACTIVE'",
          [lot.id],
        );
        await bumpStockLevel(m, lot.skuId, { onHand: -lot.quantityOnHand });
        total += lot.quantityOnHand;
        touched.add(lot.skuId);
      }
      return { units: total, skuIds: [...touched] };
    });
    this.events.stockChanged(skuIds);
    return units;
  }
}
