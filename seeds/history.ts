import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { Principal } from '../src/auth/principal';
import { Location } from '../src/catalog/location.entity';
import { Sku } from '../src/catalog/sku.entity';
import { loadConfig } from '../src/config';
import { AdjustmentReason, ReturnCondition, Role, SkuCategory, StorageZone } from '../src/graphql/enums';
import { PlaceOrderInput } from '../src/orders/order.inputs';
import { ReturnOrderInput } from '../src/orders/return.inputs';
import { Merchant } from '../src/orders/merchant.entity';
import { createServices, Services } from '../src/services';
import { availableBySku } from '../src/stock/stock-sql';
import { addDays, runWithClock, shanghaiDate, shanghaiDayStart } from '../src/time';
import { ReplayClock } from './clock';
import { CARRIERS } from './data/carriers';
import { FARMS } from './data/farms';
import { MERCHANTS } from './data/merchants';
import { STATION_VILLAGES, stationCode } from './data/places';
import { PRODUCT_FAMILIES, skuCode } from './data/skus';
import { Random, randomSource } from './random';

/**
 * The demo history: HISTORY_DAYS whole days of the centre, planned in advance from the day it is loaded
 * (`planHistory`) and then replayed through the services the API calls, with a clock set to each step's
 * instant (`replayHistory`). The history ends when today began (Asia/Shanghai), so a load at 00:30 and
 * one at 23:59 hold the same lots, orders and movements, only stamped a day apart from a load the day
 * before; nothing depends on the hour or the month.
 */
export const HISTORY_DAYS = 90;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The last days, whose orders stop at every step (two of each a day), for the tablets to work on. */
const RECENT_DAYS = 2;

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

// ---------------------------------------------------------------- the plan: pure data, from the window only

/** The days the history covers. */
export interface HistoryWindow {
  /** Day 0: the centre opens and receives a first lot of every SKU. Days 1..HISTORY_DAYS follow. */
  openingDay: string;
  /** The instant today began in Asia/Shanghai; every step of the history comes before it. */
  end: number;
}

export function historyWindow(now: Date): HistoryWindow {
  const today = shanghaiDate(now);
  return { openingDay: addDays(today, -(HISTORY_DAYS + 1)), end: shanghaiDayStart(today).getTime() };
}

export type OrderStep =
  | { step: 'place' | 'allocate' | 'pick' | 'dispatch' | 'deliver'; at: number }
  | { step: 'cancel'; at: number; reason: string }
  /** Parcels that came back: all of it (the first SKU resaleable), or one damaged unit of the first SKU. */
  | { step: 'return'; at: number; whole: boolean };

export interface PlannedOrder {
  idempotencyKey: string;
  merchantCode: string;
  input: Omit<PlaceOrderInput, 'idempotencyKey'>;
  dispatch: { carrierCode: string; trackingNumber: string; parcels: number; weightGrams: number };
  /** What happens to it, in time order; a step the warehouse cannot do (no stock, a held lot) ends it. */
  steps: OrderStep[];
  /** The storefront sends placeOrder again with the same key, as after a lost answer. */
  retried: boolean;
}

export type Chore =
  | { kind: 'receive-every-sku' | 'restock' | 'write-off-expired' }
  | { kind: 'hold'; skuCode: string; reason: string }
  | { kind: 'release'; skuCode: string }
  | { kind: 'move'; skuCode: string; quantity: number }
  /** A stocktake of the newest lot's bin: the counter finds `difference` units more than the system. */
  | { kind: 'count'; skuCode: string; difference: number }
  | { kind: 'adjust'; skuCode: string; delta: number; reason: AdjustmentReason; note: string };

export type PlannedEvent = { at: number; chore: Chore } | { at: number; order: PlannedOrder };

export interface HistoryPlan {
  window: HistoryWindow;
  /** Units per receipt, by SKU code. */
  lotSizes: Map<string, number>;
  events: PlannedEvent[];
}

interface DemoSku {
  code: string;
  category: SkuCategory;
  zone: StorageZone;
  shelfLifeDays: number;
}

/** The demo SKUs in the order they are created (by id). */
function demoSkus(): DemoSku[] {
  return PRODUCT_FAMILIES.flatMap((family) =>
    family.packs.map(([suffix]) => ({
      code: skuCode(family, suffix),
      category: family.category,
      zone: family.zone,
      shelfLifeDays: family.shelfLifeDays,
    })),
  );
}

/** Plans the whole history from its window: the same window (one Shanghai day) gives the same plan. */
export function planHistory(window: HistoryWindow): HistoryPlan {
  const random = randomSource(20261129);
  const dayStart = (i: number) => shanghaiDayStart(addDays(window.openingDay, i)).getTime();
  const lotSizes = planLotSizes(random);
  const events: PlannedEvent[] = [{ at: dayStart(0) + 8 * HOUR, chore: { kind: 'receive-every-sku' } }];
  let orders = 0;
  for (let i = 1; i <= HISTORY_DAYS; i++) {
    events.push({ at: dayStart(i) + 7 * HOUR, chore: { kind: 'restock' } });
    if (i % 7 === 0 && i <= HISTORY_DAYS - 7)
      events.push({ at: dayStart(i) + 6 * HOUR, chore: { kind: 'write-off-expired' } });
    const recent = i > HISTORY_DAYS - RECENT_DAYS;
    const count = recent ? 8 : 2 + random.int(0, 1) + (i > HISTORY_DAYS / 2 ? 1 : 0);
    for (let n = 0; n < count; n++) {
      const placedAt = dayStart(i) + 9 * HOUR + random.int(0, 600) * MINUTE;
      const order = planOrder(random, ++orders, placedAt, recent ? 1 + (n % 4) : 5, recent);
      order.steps = order.steps.filter((s) => s.at < window.end);
      events.push({ at: placedAt, order });
    }
  }
  events.push(...planIncidents((daysAgo, hour) => dayStart(HISTORY_DAYS + 1 - daysAgo) + hour * HOUR));
  return { window, lotSizes, events };
}

function planLotSizes(random: Random): Map<string, number> {
  return new Map(
    demoSkus().map((sku) => [
      sku.code,
      sku.category === SkuCategory.HANDICRAFT
        ? random.int(4, 10)
        : sku.shelfLifeDays <= 15
          ? random.int(10, 25)
          : random.int(20, 60),
    ]),
  );
}

/** Best sellers first: a few SKUs take most orders, as on the park's storefronts. */
function byPopularity(): DemoSku[] {
  const best = (sku: DemoSku) =>
    sku.code.startsWith('QS-MILLET') || sku.code.startsWith('ZZ-HAWTHORN') ? 0 : 1;
  return demoSkus()
    .map((sku, index) => ({ sku, index }))
    .sort((a, b) => best(a.sku) - best(b.sku) || a.index - b.index)
    .map(({ sku }) => sku);
}
const POPULAR = byPopularity();

/**
 * One order: what a storefront asks for and how far it gets. `stages` 1..4 stop it at PLACED..DISPATCHED,
 * 5 runs it to DELIVERED; older orders (not `recent`) are sometimes cancelled on the way.
 */
function planOrder(
  random: Random,
  n: number,
  placedAt: number,
  stages: number,
  recent: boolean,
): PlannedOrder {
  const merchant = MERCHANTS[Math.floor(Math.pow(random.next(), 1.6) * MERCHANTS.length)];
  const lines = new Map<string, number>();
  for (let k = random.int(1, 3); lines.size < k;) {
    const sku = POPULAR[Math.floor(Math.pow(random.next(), 2) * POPULAR.length)];
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
  const carrierCode = random.next() < 0.5 ? random.pick(CARRIERS).code : undefined;
  const shipper = carrierCode ?? random.pick(CARRIERS).code;
  return {
    idempotencyKey: `demo-order-${n}`,
    merchantCode: merchant.code,
    input: {
      lines: [...lines].map(([code, quantity]) => ({ skuCode: code, quantity })),
      destination,
      carrierCode,
    },
    dispatch: {
      carrierCode: shipper,
      trackingNumber: `${shipper}${random.int(100000000, 999999999)}${random.int(100, 999)}`,
      parcels: random.next() < 0.85 ? 1 : 2,
      weightGrams: random.int(600, 12000),
    },
    steps: planOrderSteps(random, placedAt, stages, recent),
    retried: n % 23 === 0,
  };
}

function planOrderSteps(random: Random, placedAt: number, stages: number, recent: boolean): OrderStep[] {
  const lag = () => (recent ? random.int(10, 40) : random.int(30, 600)) * MINUTE;
  const roll = recent ? 1 : random.next();
  const steps: OrderStep[] = [{ step: 'place', at: placedAt }];
  let at = placedAt + lag();
  if (roll < 0.04) return [...steps, { step: 'cancel', at, reason: 'Customer changed their mind' }];
  if (stages < 2) return steps;
  steps.push({ step: 'allocate', at });
  if (roll < 0.07)
    return [...steps, { step: 'cancel', at: at + HOUR, reason: 'Address could not be reached' }];
  for (const [stage, step] of [
    [3, 'pick'],
    [4, 'dispatch'],
  ] as const) {
    if (stages < stage) return steps;
    at += lag();
    steps.push({ step, at });
  }
  if (stages < 5) return steps;
  at += random.int(24, 96) * HOUR;
  steps.push({ step: 'deliver', at });
  if (roll >= 0.07 && roll < 0.12)
    steps.push({ step: 'return', at: at + random.int(4, 48) * HOUR, whole: roll < 0.09 });
  return steps;
}

/** A lot held and released, stock moved, adjusted, and lots held in the last days. */
function planIncidents(day: (daysAgo: number, hour: number) => number): PlannedEvent[] {
  return [
    {
      at: day(20, 10),
      chore: {
        kind: 'hold',
        skuCode: 'GP-PEAR-5KG',
        reason: 'Bruising reported by a storefront; sorting the crates',
      },
    },
    { at: day(18, 15), chore: { kind: 'release', skuCode: 'GP-PEAR-5KG' } },
    { at: day(12, 11), chore: { kind: 'move', skuCode: 'QS-MILLET-2500G', quantity: 5 } },
    // The tablet lost Wi-Fi and sent the move again: one transfer.
    { at: day(12, 11), chore: { kind: 'move', skuCode: 'QS-MILLET-2500G', quantity: 5 } },
    ...(
      [
        ['QS-MILLET-2500G', 0],
        ['ZZ-HAWTHORN-500G', -1],
        ['LC-WALNUT-1KG', 1],
      ] as const
    ).map(([skuCode, difference]) => ({
      at: day(5, 17),
      chore: { kind: 'count' as const, skuCode, difference },
    })),
    ...(
      [
        ['GP-PEAR-2500G', -2, AdjustmentReason.DAMAGE, 'Crate dropped at unloading'],
        ['ZZ-EGGS-30', -1, AdjustmentReason.SPOILAGE, 'Cracked tray'],
        ['LC-WALNUT-1KG', 1, AdjustmentReason.FOUND, 'Bag found behind the rack in cycle count'],
        ['ZZ-VERMICELLI-1KG', -1, AdjustmentReason.COUNT_CORRECTION, 'Cycle count'],
      ] as const
    ).map(([skuCode, delta, reason, note]) => ({
      at: day(10, 16),
      chore: { kind: 'adjust' as const, skuCode, delta, reason, note },
    })),
    {
      at: day(2, 10),
      chore: {
        kind: 'hold',
        skuCode: 'ZZ-HAWTHORN-2500G',
        reason: 'Pesticide-residue re-test requested by the county office',
      },
    },
    { at: day(2, 10), chore: { kind: 'hold', skuCode: 'ZZ-EGGS-30', reason: 'Shell-quality inspection' } },
  ];
}

// ---------------------------------------------------------------- the replay: the plan through the services

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

/** Steps to run at given instants, in time order (equal instants as added); a step may add later ones. */
class Timeline {
  private readonly steps: { at: number; run: () => Promise<void> }[] = [];

  add(at: number, run: () => Promise<void>): void {
    let i = this.steps.length;
    while (i > 0 && this.steps[i - 1].at > at) i--;
    this.steps.splice(i, 0, { at, run });
  }

  /** Runs every step before `end` with the clock at its instant. */
  async play(clock: ReplayClock, end: number): Promise<void> {
    while (this.steps.length && this.steps[0].at < end) {
      const step = this.steps.shift()!;
      clock.set(step.at);
      await step.run();
    }
  }
}

/**
 * Replays a plan through the services the API calls, with `clock` set to each step's instant: farms deliver
 * lots (restocking what runs low), merchants place orders that the warehouse allocates, picks, dispatches
 * and sees delivered, some are cancelled and some come back, expired lots are written off weekly, a few lots
 * are held, moved, adjusted or counted, and a few writes are sent twice with their key, as a tablet or a
 * storefront does after a lost answer.
 */
export async function replayHistory(
  dataSource: DataSource,
  clock: ReplayClock,
  plan: HistoryPlan,
): Promise<void> {
  const replay = await Replay.prepare(dataSource, plan);
  for (const event of plan.events) {
    if ('chore' in event) replay.timeline.add(event.at, () => replay.doChore(event.chore));
    else replay.timeline.add(event.at, () => replay.followOrder(event.order, 0, null));
  }
  await runWithClock(clock.read, () => replay.timeline.play(clock, plan.window.end));
}

class Replay {
  readonly timeline = new Timeline();
  /** Farms, bins and harvest days of receipts: drawn as restocking asks, apart from the plan's draws. */
  private readonly random = randomSource(20261130);
  private readonly warehouse = principal(Role.WAREHOUSE, 'warehouse-tablet-01');
  private readonly heldLots = new Map<string, string>();
  private receipts = 0;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly services: Services,
    private readonly plan: HistoryPlan,
    private readonly skus: Sku[],
    private readonly storefronts: Map<string, Principal>,
    private readonly bins: Map<StorageZone, string[]>,
    private readonly suppliers: Map<string, string[]>,
  ) {}

  static async prepare(dataSource: DataSource, plan: HistoryPlan): Promise<Replay> {
    const merchants = await dataSource.getRepository(Merchant).find({ order: { id: 'ASC' } });
    const locations = await dataSource.getRepository(Location).find({ order: { code: 'ASC' } });
    const bins = new Map<StorageZone, string[]>();
    for (const l of locations) bins.set(l.zone, [...(bins.get(l.zone) ?? []), l.code]);
    const suppliers = new Map<string, string[]>();
    for (const family of PRODUCT_FAMILIES) {
      const farms = FARMS.filter((f) => f.supplies.includes(family.prefix)).map((f) => f.code);
      for (const [suffix] of family.packs) suppliers.set(skuCode(family, suffix), farms);
    }
    return new Replay(
      dataSource,
      createServices(dataSource, loadConfig({})),
      plan,
      await dataSource.getRepository(Sku).find({ order: { id: 'ASC' } }),
      new Map(merchants.map((m) => [m.code, principal(Role.MERCHANT, `storefront ${m.code}`, m)])),
      bins,
      suppliers,
    );
  }

  async doChore(chore: Chore): Promise<void> {
    switch (chore.kind) {
      case 'receive-every-sku':
        for (const sku of this.skus) await this.receive(sku);
        return;
      case 'restock':
        return this.restock();
      case 'write-off-expired':
        await this.services.stock.writeOffExpired(this.warehouse);
        return;
      case 'hold':
        return this.hold(chore.skuCode, chore.reason);
      case 'release': {
        const lot = this.heldLots.get(chore.skuCode);
        if (lot) await this.services.stock.releaseLot(this.warehouse, lot);
        return;
      }
      case 'move':
        return this.move(chore.skuCode, chore.quantity);
      case 'count':
        return this.count(chore.skuCode, chore.difference);
      case 'adjust':
        return this.adjust(chore);
    }
  }

  private async receive(sku: Sku): Promise<void> {
    const farms = this.suppliers.get(sku.code) ?? [];
    if (farms.length === 0) return;
    const today = shanghaiDate();
    const produce = sku.category !== SkuCategory.HANDICRAFT && sku.category !== SkuCategory.PROCESSED;
    await this.services.stock.receiveLot(this.warehouse, {
      idempotencyKey: `demo-receipt-${++this.receipts}`,
      skuCode: sku.code,
      farmCode: this.random.pick(farms),
      quantity: this.plan.lotSizes.get(sku.code)!,
      locationCode: this.random.pick(this.bins.get(sku.storageZone)!),
      harvestedOn: produce ? addDays(today, -this.random.int(1, 5)) : undefined,
    });
  }

  /** A receipt of every SKU whose available units fell below about a third of a lot. */
  private async restock(): Promise<void> {
    const available = await availableBySku(
      this.dataSource,
      this.skus.map((s) => s.id),
    );
    for (const sku of this.skus) {
      if ((available.get(sku.id) ?? 0) < this.plan.lotSizes.get(sku.code)! * 0.35) await this.receive(sku);
    }
  }

  private async hold(skuCode: string, reason: string): Promise<void> {
    const lot = await this.newestLot(skuCode);
    if (!lot) return;
    await this.services.stock.holdLot(this.warehouse, lot.code, reason);
    this.heldLots.set(skuCode, lot.code);
  }

  private async move(skuCode: string, quantity: number): Promise<void> {
    const lot = await this.newestLot(skuCode);
    const zone = this.skus.find((s) => s.code === skuCode)!.storageZone;
    const to = this.bins.get(zone)!.find((bin) => bin !== lot?.bin);
    if (lot && to)
      await this.services.stock.moveStock(this.warehouse, {
        idempotencyKey: `demo-move-${lot.code}-${to}`,
        lotCode: lot.code,
        fromLocationCode: lot.bin,
        toLocationCode: to,
        quantity,
      });
  }

  private async count(skuCode: string, difference: number): Promise<void> {
    const lot = await this.newestLot(skuCode);
    if (!lot) return;
    await attempt(
      () =>
        this.services.stockCounts.countStock(this.warehouse, {
          idempotencyKey: `demo-count-${lot.code}-${lot.bin}`,
          lotCode: lot.code,
          locationCode: lot.bin,
          countedQuantity: lot.quantity + difference,
          expectedQuantity: lot.quantity,
          note: 'Cycle count',
        }),
      ['INSUFFICIENT_STOCK', 'INVALID_STATE'],
    );
  }

  private async adjust(chore: Extract<Chore, { kind: 'adjust' }>): Promise<void> {
    const lot = await this.newestLot(chore.skuCode);
    if (!lot) return;
    await attempt(
      () =>
        this.services.stock.adjustStock(this.warehouse, {
          idempotencyKey: `demo-adjust-${lot.code}-${chore.delta}-${chore.reason}`,
          lotCode: lot.code,
          locationCode: lot.bin,
          delta: chore.delta,
          reason: chore.reason,
          note: chore.note,
        }),
      ['INSUFFICIENT_STOCK'],
    );
  }

  /** The newest ACTIVE lot of a SKU with more than five free units in a bin, that bin and its units. */
  private async newestLot(code: string): Promise<{ code: string; bin: string; quantity: number } | null> {
    const rows: { code: string; bin: string; quantity: number }[] = await this.dataSource.query(
      `SELECT l.code AS code, loc.code AS bin, p.quantity AS quantity FROM lot l JOIN sku s ON s.id = l.sku_id
         JOIN lot_placement p ON p.lot_id = l.id JOIN location loc ON loc.id = p.location_id
        WHERE s.code = ? AND l.status = 'ACTIVE' AND p.quantity - p.allocated > 5 ORDER BY l.id DESC`,
      [code],
    );
    return rows[0] ? { ...rows[0], quantity: Number(rows[0].quantity) } : null;
  }

  /** Runs step `index` of an order and, if it went through, schedules the next one. */
  async followOrder(order: PlannedOrder, index: number, number: string | null): Promise<void> {
    const step = order.steps[index];
    const done = await this.orderStep(order, step, number);
    const next = order.steps[index + 1];
    if (done && next) this.timeline.add(next.at, () => this.followOrder(order, index + 1, done));
  }

  /** One step of an order; answers its number to go on, or null when the order ends here. */
  private async orderStep(
    order: PlannedOrder,
    step: OrderStep,
    number: string | null,
  ): Promise<string | null> {
    const storefront = this.storefronts.get(order.merchantCode)!;
    const { orders } = this.services;
    switch (step.step) {
      case 'place': {
        const place = () =>
          attempt(
            () => orders.placeOrder(storefront, { ...order.input, idempotencyKey: order.idempotencyKey }),
            ['INSUFFICIENT_STOCK'],
          );
        const placed = await place();
        if (order.retried) await place();
        return placed?.number ?? null;
      }
      case 'cancel':
        await orders.cancelOrder(storefront, number!, step.reason);
        return null;
      case 'allocate':
        if (await attempt(() => orders.allocateOrder(this.warehouse, number!), ['INSUFFICIENT_STOCK']))
          return number;
        await orders.cancelOrder(
          this.warehouse,
          number!,
          'No sellable lot left; the storefront was told to reorder',
        );
        return null;
      case 'pick':
        if (await attempt(() => orders.pickOrder(this.warehouse, number!), ['INVALID_STATE'])) return number;
        await orders.cancelOrder(this.warehouse, number!, 'An allocated lot was held for inspection');
        return null;
      case 'dispatch':
        await orders.dispatchOrder(this.warehouse, { number: number!, ...order.dispatch });
        return number;
      case 'deliver':
        await orders.markDelivered(this.warehouse, number!);
        return number;
      case 'return':
        await this.services.returns.returnOrder(this.warehouse, this.returnOf(order, number!, step.whole));
        return number;
    }
  }

  /** All of an order back (the first SKU's zone resaleable, the rest damaged), or one damaged unit. */
  private returnOf(order: PlannedOrder, number: string, whole: boolean): ReturnOrderInput {
    const zoneOf = (code: string) => this.skus.find((s) => s.code === code)!.storageZone;
    const [first] = order.input.lines;
    const base = { idempotencyKey: `demo-return-${number}`, number };
    if (!whole)
      return {
        ...base,
        reason: 'One pack arrived crushed',
        lines: [{ skuCode: first.skuCode, quantity: 1, condition: ReturnCondition.DAMAGED }],
      };
    const zone = zoneOf(first.skuCode);
    return {
      ...base,
      reason: 'Refused at the door; the parcel came back',
      locationCode: this.bins.get(zone)![0],
      lines: order.input.lines.map((line) => ({
        skuCode: line.skuCode,
        quantity: line.quantity,
        condition: zoneOf(line.skuCode) === zone ? ReturnCondition.RESALEABLE : ReturnCondition.DAMAGED,
      })),
    };
  }
}
