import { EntityManager, In } from 'typeorm';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { LotStatus } from '../graphql/enums';
import { badInput, insufficientStock, notFound } from '../graphql/errors';
import { shanghaiToday } from '../time';
import { LotPlacement } from './lot-placement.entity';
import { Lot } from './lot.entity';
import { recordStockChanged } from '../webhooks/webhook-outbox';
import { availableBySku, bumpStockLevel, execute, forUpdate, takeAvailable } from './stock-sql';

/**
 * Units of a lot going into or out of a bin, inside the caller's transaction: the one place that keeps a
 * lot's placements, its quantity and status, and its SKU's stock level in step. Every caller records the
 * StockMovement of the change itself.
 */

/** A bin by code that can store the SKU (its zone matches the SKU's storage zone). */
export async function binFor(m: EntityManager, code: string, field: string, sku: Sku): Promise<Location> {
  const location = await m.findOneBy(Location, { code });
  if (!location) throw notFound('Location', code, field);
  if (location.zone !== sku.storageZone) {
    throw badInput(field, `${sku.code} needs a ${sku.storageZone} bin; ${code} is ${location.zone}`);
  }
  return location;
}

/**
 * The lot by code, its row locked for this transaction (MySQL) so its balances change one writer at a time.
 */
export async function lockLot(m: EntityManager, code: string, field: string): Promise<Lot> {
  const rows: { id: number | string }[] = await m.query(`SELECT id FROM lot WHERE code = ?${forUpdate(m)}`, [
    code,
  ]);
  if (rows.length === 0) throw notFound('Lot', code, field);
  return m.findOneByOrFail(Lot, { id: Number(rows[0].id) });
}

/** Lots by id, their rows locked in id order (MySQL), as lockLot. */
export async function lockLots(m: EntityManager, ids: number[]): Promise<Map<number, Lot>> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  if (sorted.length === 0) return new Map();
  await m.query(
    `SELECT id FROM lot WHERE id IN (${sorted.map(() => '?').join(', ')}) ORDER BY id${forUpdate(m)}`,
    sorted,
  );
  const lots = await m.findBy(Lot, { id: In(sorted) });
  return new Map(lots.map((lot) => [lot.id, lot]));
}

/** Whether the stock level keeps this lot's on-hand in held_or_expired (HELD, and EXPIRED written off). */
function keptAsUnsellable(lot: Lot): boolean {
  return lot.status === LotStatus.HELD || lot.status === LotStatus.EXPIRED;
}

/** Takes free (unallocated) units out of one bin, or INSUFFICIENT_STOCK naming what is free there. */
export async function takeFromPlacement(
  m: EntityManager,
  lot: Lot,
  sku: Sku,
  locationId: number,
  units: number,
): Promise<void> {
  const changed = await execute(
    m,
    'UPDATE lot_placement SET quantity = quantity - ? WHERE lot_id = ? AND location_id = ? AND quantity - allocated >= ?',
    [units, lot.id, locationId, units],
  );
  if (changed === 1) return;
  const placement = await m.findOneBy(LotPlacement, { lotId: lot.id, locationId });
  throw insufficientStock([
    {
      skuCode: sku.code,
      requested: units,
      available: placement ? placement.quantity - placement.allocated : 0,
    },
  ]);
}

/** Adds units of a lot to a bin, creating the placement when the lot was not there yet. */
export async function putIntoPlacement(
  m: EntityManager,
  lotId: number,
  locationId: number,
  units: number,
): Promise<void> {
  const changed = await execute(
    m,
    'UPDATE lot_placement SET quantity = quantity + ? WHERE lot_id = ? AND location_id = ?',
    [units, lotId, locationId],
  );
  if (changed === 0) await m.insert(LotPlacement, { lotId, locationId, quantity: units, allocated: 0 });
}

/**
 * Units come into a locked lot in one bin: placement, lot quantity (a DEPLETED lot becomes ACTIVE again),
 * on_hand, and held_or_expired for a HELD or EXPIRED lot. Units of an ACTIVE lot past expiry count as
 * unsellable by the availability rule itself.
 */
export async function addUnits(m: EntityManager, lot: Lot, locationId: number, units: number): Promise<void> {
  await putIntoPlacement(m, lot.id, locationId, units);
  await execute(
    m,
    "UPDATE lot SET status = CASE WHEN status = 'DEPLETED' THEN 'ACTIVE' ELSE status END, quantity_on_hand = quantity_on_hand + ? WHERE id = ?",
    [units, lot.id],
  );
  await bumpStockLevel(m, lot.skuId, { onHand: units, heldOrExpired: keptAsUnsellable(lot) ? units : 0 });
  if (lot.status === LotStatus.DEPLETED) lot.status = LotStatus.ACTIVE;
  lot.quantityOnHand += units;
}

/**
 * Free units leave a locked lot in one bin: placement (never allocated units), lot quantity (an ACTIVE lot
 * left empty becomes DEPLETED), on_hand, and held_or_expired for a HELD or EXPIRED lot. Sellable units may
 * not leave on-hand below what open orders reserved: INSUFFICIENT_STOCK. STOCK_LOW goes to the outbox.
 */
export async function removeUnits(
  m: EntityManager,
  lot: Lot,
  sku: Sku,
  locationId: number,
  units: number,
): Promise<void> {
  await takeFromPlacement(m, lot, sku, locationId, units);
  const unsellable = keptAsUnsellable(lot);
  if (!unsellable && lot.expiresOn >= shanghaiToday()) {
    if (!(await takeAvailable(m, sku.id, units, 'remove'))) {
      const available = (await availableBySku(m, [sku.id])).get(sku.id) ?? 0;
      throw insufficientStock([{ skuCode: sku.code, requested: units, available }]);
    }
  } else {
    await bumpStockLevel(m, sku.id, { onHand: -units, heldOrExpired: unsellable ? -units : 0 });
  }
  await execute(
    m,
    "UPDATE lot SET status = CASE WHEN status = 'ACTIVE' AND quantity_on_hand = ? THEN 'DEPLETED' ELSE status END, quantity_on_hand = quantity_on_hand - ? WHERE id = ?",
    [units, units, lot.id],
  );
  await recordStockChanged(m, [{ skuId: sku.id, onHand: -units, heldOrExpired: unsellable ? -units : 0 }]);
  lot.quantityOnHand -= units;
  if (lot.status === LotStatus.ACTIVE && lot.quantityOnHand === 0) lot.status = LotStatus.DEPLETED;
}
