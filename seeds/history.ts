import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { Principal } from '../src/auth/principal';
import { Carrier } from '../src/catalog/carrier.entity';
import { Location } from '../src/catalog/location.entity';
import { Sku } from '../src/catalog/sku.entity';
import { loadConfig } from '../src/config';
import { AdjustmentReason, Role, SkuCategory, StorageZone } from '../src/graphql/enums';
import { Merchant } from '../src/orders/merchant.entity';
import { Order } from '../src/orders/order.entity';
import { createServices } from '../src/services';
import { availableBySku } from '../src/stock/stock-sql';
import { addDays, shanghaiDate, shanghaiDayStart } from '../src/time';
import { ReplayClock } from './clock';
import { CARRIERS } from './data/carriers';
import { FARMS } from './data/farms';
import { STATION_VILLAGES, stationCode } from './data/places';
import { PRODUCT_FAMILIES, skuCode } from './data/skus';

export const HISTORY_DAYS = 90;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const RECIPIENTS = [
  'Zhang Wei',
  'Wang Fang',
  'Li Na',
  'Liu Yang',
  'Chen Jing',
  'Yang Li',
  'Zhao Lei',
  'Huang Min',
  'Zhou Jie',
  'Wu Xia',
];
const CITIES: [string, string][] = [
  ['Beijing', 'Beijing'],
  ['Shanghai', 'Shanghai'],
  ['Guangzhou', 'Guangdong'],
  ['Shenzhen', 'Guangdong'],
  ['Hangzhou', 'Zhejiang'],
  ['Taiyuan', 'Shanxi'],
  ['Jincheng', 'Shanxi'],
  ['Zhengzhou', 'Henan'],
  ["Xi'an", 'Shaanxi'],
  ['Chengdu', 'Sichuan'],
  ['Wuhan', 'Hubei'],
];

/** A small seeded generator, so that every fresh demo database holds the same story. */
function randomSource(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}

function principal(role: Role, label: string, merchant: Merchant | null = null): Principal {
  return Object.assign(new Principal(), { role, merchant, label, keyScope: 'demo-seed' });
}

/** Runs `work`; a domain refusal with one of `codes` (stock ran short, a lot was held) answers null. */
async function attempt<T>(work: () => Promise<T>, codes: string[]): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GraphQLError && codes.includes(String(error.extensions.code))) return null;
    throw error;
  }
}

/** Steps to run at given instants, in time order; a step may schedule later ones. */
class Timeline {
  private readonly steps: { at: number; run: () => Promise<void> }[] = [];

  add(at: number, run: () => Promise<void>): void {
    let i = this.steps.length;
    while (i > 0 && this.steps[i - 1].at > at) i--;
    this.steps.splice(i, 0, { at, run });
  }

  /** Runs every step due by `end` with the clock at its instant; later steps are dropped. */
  async play(clock: ReplayClock, end: number): Promise<void> {
    while (this.steps.length && this.steps[0].at <= end) {
      const step = this.steps.shift()!;
      clock.set(step.at);
      await step.run();
    }
  }
}

/**
 * Replays the last HISTORY_DAYS days of the centre through the services the API calls, with the clock
 * set to each step's instant: farms deliver lots (restocking what runs low), merchants place orders that
 * the warehouse allocates, picks, dispatches and sees delivered, some are cancelled, expired lots are
 * written off weekly, a few lots are held, moved or adjusted. The last days' orders stop at every step.
 */
export async function replayHistory(dataSource: DataSource, clock: ReplayClock, end: number): Promise<void> {
  const services = createServices(dataSource, loadConfig({}));
  const random = randomSource(20261129);
  const warehouse = principal(Role.WAREHOUSE, 'warehouse-tablet-01');
  const merchants = await dataSource.getRepository(Merchant).find({ order: { id: 'ASC' } });
  const storefronts = new Map(
    merchants.map((m) => [m.code, principal(Role.MERCHANT, `storefront ${m.code}`, m)]),
  );
  const skus = await dataSource.getRepository(Sku).find({ order: { id: 'ASC' } });
  const locations = await dataSource.getRepository(Location).find({ order: { code: 'ASC' } });
  const carrierCodes = new Map((await dataSource.getRepository(Carrier).find()).map((c) => [c.id, c.code]));
  const binsOf = (zone: StorageZone) => locations.filter((l) => l.zone === zone).map((l) => l.code);
  const suppliers = new Map<string, string[]>();
  for (const family of PRODUCT_FAMILIES) {
    const farms = FARMS.filter((f) => f.supplies.includes(family.prefix)).map((f) => f.code);
    for (const [suffix] of family.packs) suppliers.set(skuCode(family, suffix), farms);
  }
  const lotSize = new Map(
    skus.map((sku) => [
      sku.id,
      sku.category === SkuCategory.HANDICRAFT
        ? random.int(4, 10)
        : sku.shelfLifeDays <= 15
          ? random.int(10, 25)
          : random.int(20, 60),
    ]),
  );
  // Best sellers first: a few SKUs take most orders, as on the park's storefronts.
  const byPopularity = [...skus].sort(
    (a, b) =>
      (a.code.startsWith('QS-MILLET') || a.code.startsWith('ZZ-HAWTHORN') ? -1 : 0) -
        (b.code.startsWith('QS-MILLET') || b.code.startsWith('ZZ-HAWTHORN') ? -1 : 0) || a.id - b.id,
  );

  const timeline = new Timeline();
  const startDay = shanghaiDate(new Date(end - HISTORY_DAYS * DAY));
  const dayStart = (i: number) => shanghaiDayStart(addDays(startDay, i)).getTime();
  let receipts = 0;
  let orders = 0;

  const receive = async (sku: Sku) => {
    const farms = suppliers.get(sku.code) ?? [];
    if (farms.length === 0) return;
    const today = shanghaiDate(new Date());
    const produce = sku.category !== SkuCategory.HANDICRAFT && sku.category !== SkuCategory.PROCESSED;
    await services.stock.receiveLot(warehouse, {
      idempotencyKey: `demo-receipt-${++receipts}`,
      skuCode: sku.code,
      farmCode: random.pick(farms),
      quantity: lotSize.get(sku.id)!,
      locationCode: random.pick(binsOf(sku.storageZone)),
      harvestedOn: produce ? addDays(today, -random.int(1, 5)) : undefined,
    });
  };

  const restock = async () => {
    const available = await availableBySku(
      dataSource,
      skus.map((s) => s.id),
    );
    for (const sku of skus) {
      if ((available.get(sku.id) ?? 0) < lotSize.get(sku.id)! * 0.35) await receive(sku);
    }
  };

  /**
   * Places one order and schedules its later steps; `stages` 1..4 stop it at PLACED..DISPATCHED, 5 runs it to
   * DELIVERED.
   */
  const placeOrder = async (stages: number, lag: () => number) => {
    const merchant = merchants[Math.floor(Math.pow(random.next(), 1.6) * merchants.length)];
    const lines = new Map<string, number>();
    for (let n = random.int(1, 3); lines.size < n;) {
      const sku = byPopularity[Math.floor(Math.pow(random.next(), 2) * byPopularity.length)];
      lines.set(
        sku.code,
        sku.category === SkuCategory.HANDICRAFT
          ? 1
          : random.next() < 0.1
            ? random.int(6, 12)
            : random.int(1, 4),
      );
    }
    const [city, province] = random.pick(CITIES);
    const [village, township] = random.pick(STATION_VILLAGES);
    const destination =
      random.next() < 0.55
        ? { stationCode: stationCode(village, township) }
        : {
            recipientName: random.pick(RECIPIENTS),
            recipientPhone: `13${random.int(100000000, 999999999)}`,
            address: `${random.int(1, 300)} Renmin Road`,
            city,
            province,
          };
    const storefront = storefronts.get(merchant.code)!;
    const order = await attempt(
      () =>
        services.orders.placeOrder(storefront, {
          idempotencyKey: `demo-order-${++orders}`,
          lines: [...lines].map(([code, quantity]) => ({ skuCode: code, quantity })),
          destination,
          carrierCode: random.next() < 0.5 ? random.pick(CARRIERS).code : undefined,
        }),
      ['INSUFFICIENT_STOCK'],
    );
    if (order) followUp(order, storefront, stages, lag);
  };

  const followUp = (order: Order, storefront: Principal, stages: number, lag: () => number) => {
    const roll = random.next();
    const at = Date.now() + lag();
    if (roll < 0.04) {
      timeline.add(at, async () => {
        await services.orders.cancelOrder(storefront, order.number, 'Customer changed their mind');
      });
      return;
    }
    if (stages < 2) return;
    timeline.add(at, async () => {
      const allocated = await attempt(
        () => services.orders.allocateOrder(warehouse, order.number),
        ['INSUFFICIENT_STOCK'],
      );
      if (!allocated) {
        await services.orders.cancelOrder(
          warehouse,
          order.number,
          'No sellable lot left; the storefront was told to reorder',
        );
        return;
      }
      if (roll < 0.07) {
        timeline.add(Date.now() + HOUR, async () => {
          await services.orders.cancelOrder(storefront, order.number, 'Address could not be reached');
        });
        return;
      }
      if (stages < 3) return;
      timeline.add(Date.now() + lag(), async () => {
        const picked = await attempt(
          () => services.orders.pickOrder(warehouse, order.number),
          ['INVALID_STATE'],
        );
        if (!picked) {
          await services.orders.cancelOrder(
            warehouse,
            order.number,
            'An allocated lot was held for inspection',
          );
          return;
        }
        if (stages < 4) return;
        timeline.add(Date.now() + lag(), async () => {
          const carrier =
            (order.carrierId && carrierCodes.get(order.carrierId)) || random.pick(CARRIERS).code;
          await services.orders.dispatchOrder(warehouse, {
            number: order.number,
            carrierCode: carrier,
            trackingNumber: `${carrier}${random.int(100000000, 999999999)}${random.int(100, 999)}`,
            parcels: random.next() < 0.85 ? 1 : 2,
            weightGrams: random.int(600, 12000),
          });
          if (stages < 5) return;
          timeline.add(Date.now() + random.int(24, 96) * HOUR, async () => {
            await services.orders.markDelivered(warehouse, order.number);
          });
        });
      });
    });
  };

  const newestLot = async (code: string): Promise<{ code: string; bin: string } | null> => {
    const rows: { code: string; bin: string }[] = await dataSource.query(
      `SELECT l.code AS code, loc.code AS bin FROM lot l JOIN sku s ON s.id = l.sku_id JOIN lot_placement p ON p.lot_id = l.id
       JOIN location loc ON loc.id = p.location_id WHERE s.code = ? AND l.status = 'ACTIVE' AND p.quantity - p.allocated > 5 ORDER BY l.id DESC`,
      [code],
    );
    return rows[0] ?? null;
  };

  timeline.add(dayStart(0) + 8 * HOUR, async () => {
    for (const sku of skus) await receive(sku);
  });
  for (let i = 1; i <= HISTORY_DAYS; i++) {
    timeline.add(dayStart(i) + 7 * HOUR, restock);
    if (i % 7 === 0 && i <= HISTORY_DAYS - 7)
      timeline.add(dayStart(i) + 6 * HOUR, async () => {
        await services.stock.writeOffExpired(warehouse);
      });
    const recent = i >= HISTORY_DAYS - 1;
    const count = 2 + random.int(0, 1) + (i > HISTORY_DAYS / 2 ? 1 : 0);
    for (let n = 0; n < count; n++) {
      const stages = recent ? 1 + ((i + n) % 4) : 5;
      const lag = recent ? () => random.int(10, 40) * MINUTE : () => random.int(30, 600) * MINUTE;
      timeline.add(dayStart(i) + 9 * HOUR + random.int(0, 600) * MINUTE, () => placeOrder(stages, lag));
    }
  }
  const day = (i: number, hour: number) => dayStart(HISTORY_DAYS - i) + hour * HOUR;
  timeline.add(day(20, 10), async () => {
    const lot = await newestLot('GP-PEAR-5KG');
    if (lot) {
      await services.stock.holdLot(lot.code, 'Bruising reported by a storefront; sorting the crates');
      timeline.add(day(18, 15), async () => {
        await services.stock.releaseLot(lot.code);
      });
    }
  });
  timeline.add(day(12, 11), async () => {
    const lot = await newestLot('QS-MILLET-2500G');
    const to = binsOf(StorageZone.AMBIENT).find((bin) => bin !== lot?.bin);
    if (lot && to)
      await services.stock.moveStock(warehouse, {
        lotCode: lot.code,
        fromLocationCode: lot.bin,
        toLocationCode: to,
        quantity: 5,
      });
  });
  timeline.add(day(10, 16), async () => {
    for (const [code, delta, reason, note] of [
      ['GP-PEAR-2500G', -2, AdjustmentReason.DAMAGE, 'Crate dropped at unloading'],
      ['ZZ-EGGS-30', -1, AdjustmentReason.SPOILAGE, 'Cracked tray'],
      ['LC-WALNUT-1KG', 1, AdjustmentReason.FOUND, 'Bag found behind the rack in cycle count'],
      ['ZZ-VERMICELLI-1KG', -1, AdjustmentReason.COUNT_CORRECTION, 'Cycle count'],
    ] as const) {
      const lot = await newestLot(code);
      if (lot)
        await attempt(
          () =>
            services.stock.adjustStock(warehouse, {
              lotCode: lot.code,
              locationCode: lot.bin,
              delta,
              reason,
              note,
            }),
          ['INSUFFICIENT_STOCK'],
        );
    }
  });
  timeline.add(day(2, 10), async () => {
    for (const [code, reason] of [
      ['ZZ-HAWTHORN-2500G', 'Pesticide-residue re-test requested by the county office'],
      ['ZZ-EGGS-30', 'Shell-quality inspection'],
    ]) {
      const lot = await newestLot(code);
      if (lot) await services.stock.holdLot(lot.code, reason);
    }
  });
  await timeline.play(clock, end);
}
