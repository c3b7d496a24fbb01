import { EntityManager, In } from 'typeorm';
import { Carrier } from '../catalog/carrier.entity';
import { Sku } from '../catalog/sku.entity';
import { VillageStation } from '../catalog/village-station.entity';
import { Merchant } from '../orders/merchant.entity';
import { OrderLine } from '../orders/order-line.entity';
import { Order } from '../orders/order.entity';
import { Lot } from '../stock/lot.entity';
import { availableOf, expiredUnitsSql, isLow, partsFromRow, unsellableOf } from '../stock/availability';
import { currentTime, shanghaiToday } from '../time';
import { Money } from '../graphql/money.type';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookDeliveryStatus, WebhookEventType } from './webhook.enums';

/**
 * The transactional outbox. Services call these inside the transaction of the change, so an event is written
 * exactly when the change commits: a rolled-back change leaves no delivery behind. The dispatcher sends them.
 */

/** Every active endpoint, read once by a write that records several events (placeOrder). */
export function activeEndpoints(m: EntityManager): Promise<WebhookEndpoint[]> {
  return m.getRepository(WebhookEndpoint).find({ where: { active: true }, order: { id: 'ASC' } });
}

/**
 * The endpoints that receive an event: those of the order's merchant and those of no merchant (ADMIN's);
 * from `active` (activeEndpoints) when the caller has read them already.
 */
async function receivers(
  m: EntityManager,
  event: WebhookEventType,
  merchantId: number | null,
  active?: WebhookEndpoint[],
): Promise<WebhookEndpoint[]> {
  if (active) {
    return active.filter(
      (e) =>
        (merchantId === null || e.merchantId === null || e.merchantId === merchantId) && e.receives(event),
    );
  }
  const query = m.getRepository(WebhookEndpoint).createQueryBuilder('e').where('e.active = :active', {
    active: true,
  });
  if (merchantId !== null)
    query.andWhere('(e.merchant_id IS NULL OR e.merchant_id = :merchantId)', { merchantId });
  return (await query.orderBy('e.id').getMany()).filter((e) => e.receives(event));
}

/**
 * Writes one delivery of an event to every endpoint that receives it. `merchantId` scopes order events to
 * the order's merchant; `data` is built only when some endpoint listens, per endpoint, from what that
 * endpoint's owner may read.
 */
export async function recordEvent(
  m: EntityManager,
  event: WebhookEventType,
  merchantId: number | null,
  data: (endpoint: WebhookEndpoint) => Promise<object> | object,
  endpoints?: WebhookEndpoint[],
): Promise<number> {
  const targets = endpoints ?? (await receivers(m, event, merchantId));
  if (targets.length === 0) return 0;
  const now = currentTime();
  const rows = [];
  for (const endpoint of targets) {
    rows.push({
      endpointId: endpoint.id,
      event,
      data: JSON.stringify(await data(endpoint)),
      status: WebhookDeliveryStatus.PENDING,
      attempts: 0,
      lastStatusCode: null,
      lastError: null,
      nextAttemptAt: now,
      createdAt: now,
      deliveredAt: null,
      leaseOwner: null,
      leaseUntil: null,
    });
  }
  await m.insert(WebhookDelivery, rows);
  return rows.length;
}

/**
 * ORDER_STATUS_CHANGED for an order, read inside the transaction that changed it (or given whole by the
 * transaction that just wrote it).
 */
export async function recordOrderChanged(
  m: EntityManager,
  orderOrId: number | Order,
  active?: WebhookEndpoint[],
): Promise<void> {
  const order = typeof orderOrId === 'number' ? await m.findOneByOrFail(Order, { id: orderOrId }) : orderOrId;
  const orderId = order.id;
  const endpoints = await receivers(m, WebhookEventType.ORDER_STATUS_CHANGED, order.merchantId, active);
  if (endpoints.length === 0) return;
  const lines = await m.find(OrderLine, { where: { orderId }, order: { id: 'ASC' } });
  const skus = await m.findBy(Sku, { id: In(lines.map((l) => l.skuId)) });
  const merchant = await m.findOneByOrFail(Merchant, { id: order.merchantId });
  const station =
    order.stationId === null ? null : await m.findOneBy(VillageStation, { id: order.stationId });
  const carrier = order.carrierId === null ? null : await m.findOneBy(Carrier, { id: order.carrierId });
  const skuCode = new Map(skus.map((s) => [s.id, s.code]));
  await recordEvent(
    m,
    WebhookEventType.ORDER_STATUS_CHANGED,
    order.merchantId,
    (endpoint) => {
      // Every receiver is the order's merchant or ADMIN (receivers), and both may read its recipient.
      const personal = endpoint.merchantId === null || endpoint.merchantId === order.merchantId;
      return {
        order: {
          number: order.number,
          status: order.status,
          merchantCode: merchant.code,
          placedAt: order.placedAt.toISOString(),
          updatedAt: (order.updatedAt ?? order.placedAt).toISOString(),
          total: Money.fromFen(order.totalFen),
          lines: lines.map((l) => ({
            skuCode: skuCode.get(l.skuId),
            quantity: l.quantity,
            unitPrice: Money.fromFen(l.unitPriceFen),
          })),
          destination: {
            stationCode: station?.code ?? null,
            ...(personal
              ? {
                  recipientName: order.recipientName,
                  recipientPhone: order.recipientPhone,
                  address: order.address,
                }
              : {}),
            city: order.city,
            province: order.province,
          },
          carrierCode: carrier?.code ?? null,
          trackingNumber: order.trackingNumber,
          cancelReason: order.cancelReason,
        },
      };
    },
    endpoints,
  );
}

/** A change to a SKU's stock-level counters, as bumpStockLevel takes it. */
export interface StockDelta {
  skuId: number;
  onHand?: number;
  reserved?: number;
  heldOrExpired?: number;
}

/**
 * STOCK_LOW for each SKU whose StockLevel.isLow turned true with these changes (already applied in `m`):
 * the level now against the level before them, both judged by the one availability rule.
 */
export async function recordStockChanged(
  m: EntityManager,
  deltas: StockDelta[],
  active?: WebhookEndpoint[],
): Promise<void> {
  if (deltas.length === 0) return;
  const endpoints = await receivers(m, WebhookEventType.STOCK_LOW, null, active);
  if (endpoints.length === 0) return;
  const skuIds = [...new Set(deltas.map((d) => d.skuId))];
  const rows: Record<string, unknown>[] = await m.query(
    `SELECT sl.sku_id AS sku_id, sl.on_hand AS on_hand, sl.reserved AS reserved,
       sl.held_or_expired AS held_or_expired, ${expiredUnitsSql('sl.sku_id', '?')} AS expired_not_written_off,
       s.code AS code, s.low_stock_threshold AS low_stock_threshold
     FROM stock_level sl JOIN sku s ON s.id = sl.sku_id
     WHERE sl.sku_id IN (${skuIds.map(() => '?').join(', ')}) ORDER BY sl.sku_id`,
    [shanghaiToday(), ...skuIds],
  );
  for (const row of rows) {
    const now = partsFromRow(row);
    const threshold = Number(row.low_stock_threshold);
    const mine = deltas.filter((d) => d.skuId === Number(row.sku_id));
    const sum = (key: 'onHand' | 'reserved' | 'heldOrExpired') => mine.reduce((n, d) => n + (d[key] ?? 0), 0);
    const before = {
      ...now,
      onHand: now.onHand - sum('onHand'),
      reserved: now.reserved - sum('reserved'),
      heldOrExpired: now.heldOrExpired - sum('heldOrExpired'),
    };
    if (!isLow(availableOf(now), threshold) || isLow(availableOf(before), threshold)) continue;
    await recordEvent(
      m,
      WebhookEventType.STOCK_LOW,
      null,
      () => ({
        skuCode: String(row.code),
        stock: {
          onHand: now.onHand,
          reserved: now.reserved,
          unsellable: unsellableOf(now),
          available: availableOf(now),
          lowStockThreshold: threshold,
          isLow: true,
        },
      }),
      endpoints,
    );
  }
}

/** LOT_HELD for a lot just put on hold. */
export async function recordLotHeld(m: EntityManager, lotId: number, reason: string): Promise<void> {
  const endpoints = await receivers(m, WebhookEventType.LOT_HELD, null);
  if (endpoints.length === 0) return;
  const lot = await m.findOneByOrFail(Lot, { id: lotId });
  const sku = await m.findOneByOrFail(Sku, { id: lot.skuId });
  await recordEvent(
    m,
    WebhookEventType.LOT_HELD,
    null,
    () => ({
      lot: {
        code: lot.code,
        status: lot.status,
        quantityOnHand: lot.quantityOnHand,
        expiresOn: lot.expiresOn,
      },
      skuCode: sku.code,
      reason,
    }),
    endpoints,
  );
}
