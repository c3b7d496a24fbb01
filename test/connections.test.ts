import { loadReferenceData } from '../seeds/demo';
import { Farm } from '../src/catalog/farm.entity';
import { Sku } from '../src/catalog/sku.entity';
import { LotStatus, OrderStatus } from '../src/graphql/enums';
import { Merchant } from '../src/orders/merchant.entity';
import { Order } from '../src/orders/order.entity';
import { Lot } from '../src/stock/lot.entity';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let farmCount: number;
let skuCount: number;

/** Rows written straight to the tables: this file is about reading pages, not about receiving or ordering. */
beforeAll(async () => {
  app = await startTestApp();
  await loadReferenceData(app.dataSource);
  const m = app.dataSource.manager;
  farmCount = await m.count(Farm);
  skuCount = await m.count(Sku);
  // Varied availability with ties, so that sorting by AVAILABLE needs its id tie-break.
  await app.dataSource.query('UPDATE stock_level SET on_hand = (sku_id * 7) % 23');
  const [qinshui, lingchuan] = await m.find(Farm, { order: { id: 'ASC' }, take: 2 });
  const sku = await m.findOneByOrFail(Sku, { code: 'QS-MILLET-1KG' });
  for (const [farm, lots] of [
    [qinshui, 9],
    [lingchuan, 4],
  ] as const) {
    for (let i = 0; i < lots; i++) {
      await m.save(
        m.create(Lot, {
          code: `LOT-${farm.id}-${i}`,
          skuId: sku.id,
          farmId: farm.id,
          status: LotStatus.ACTIVE,
          receivedAt: new Date(),
          harvestedOn: null,
          expiresOn: '2099-01-01',
          quantityReceived: 10,
          quantityOnHand: 0,
          holdReason: null,
        }),
      );
    }
  }
  const merchants = await m.find(Merchant, { order: { id: 'ASC' }, take: 2 });
  for (let i = 0; i < 14; i++) {
    await m.save(
      m.create(Order, {
        number: `GD-20261129-${String(i + 1).padStart(6, '0')}`,
        merchantId: merchants[i % 2].id,
        status: i % 3 === 0 ? OrderStatus.CANCELLED : OrderStatus.PLACED,
        totalFen: 0n,
        stationId: null,
        recipientName: null,
        recipientPhone: null,
        address: null,
        city: null,
        province: null,
        carrierId: null,
        trackingNumber: null,
        parcels: null,
        weightGrams: null,
        placedAt: new Date(),
        updatedAt: new Date(),
        dispatchedAt: null,
        deliveredAt: null,
        cancelledAt: null,
        cancelReason: null,
      }),
    );
  }
});
afterAll(() => app.close());

interface Page {
  nodes: any[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
}

/**
 * Walks a whole list page by page, forward (first/after) or backward (last/before), and returns
 * the nodes in list order. `pick` finds the connection in the response.
 */
async function walk(
  query: string,
  variables: Record<string, unknown>,
  pick: (data: any) => Page,
  size: number,
  backward = false,
) {
  const seen: any[][] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const args = backward ? { last: size, before: cursor } : { first: size, after: cursor };
    const res = await app.gql(query, { ...variables, ...args });
    expect(res.errors).toBeUndefined();
    const page = pick(res.data);
    expect(page.nodes.length).toBeLessThanOrEqual(size);
    seen.push(page.nodes);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    // The other direction reports whether a cursor was given.
    expect(backward ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage).toBe(cursor !== null);
    if (!more) break;
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
  }
  return backward ? seen.reverse().flat() : seen.flat();
}

const FARMS = `query($first: Int, $after: String, $last: Int, $before: String, $filter: FarmFilter) {
  farms(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    nodes { id code village township active } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`;
const SKUS = `query($first: Int, $after: String, $last: Int, $before: String, $filter: SkuFilter, $orderBy: SkuOrder) {
  skus(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    nodes { id code name storageZone category heritage price { amount } stock { available isLow } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`;

const codes = (nodes: { code: string }[]) => nodes.map((n) => n.code);

describe('farms', () => {
  it('pages forward and backward over the same list, with the total', async () => {
    const forward = await walk(FARMS, {}, (d) => d.farms, 7);
    const backward = await walk(FARMS, {}, (d) => d.farms, 7, true);
    expect(forward).toHaveLength(farmCount);
    expect(new Set(codes(forward)).size).toBe(farmCount);
    expect(codes(backward)).toEqual(codes(forward));
    const total = await app.gql(FARMS, { first: 1 });
    expect(total.data.farms.totalCount).toBe(farmCount);
    expect(total.data.farms.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('filters by township, village, search and active, on every page', async () => {
    const gaodu = await walk(FARMS, { filter: { township: 'Gaodu' } }, (d) => d.farms, 2);
    expect(gaodu.length).toBeGreaterThanOrEqual(5);
    expect(gaodu.every((f) => f.township === 'Gaodu')).toBe(true);
    const baofu = await app.gql(FARMS, { filter: { village: 'Baofu' } });
    expect(baofu.data.farms.nodes.map((f: any) => f.village)).toEqual(['Baofu']);
    expect(baofu.data.farms.totalCount).toBe(1);
    const search = await app.gql(FARMS, { filter: { search: 'farm-qinshui' } });
    expect(search.data.farms.totalCount).toBe(7);
    expect(codes(search.data.farms.nodes).every((c) => c.startsWith('FARM-QINSHUI-'))).toBe(true);
    const inactive = await app.gql(FARMS, { filter: { active: false } });
    expect(inactive.data.farms.totalCount).toBe(0);
  });

  it('takes LIKE wildcards in a search literally', async () => {
    for (const search of ['%', '_', '!']) {
      const res = await app.gql(FARMS, { filter: { search } });
      expect(res.errors).toBeUndefined();
      expect(res.data.farms.totalCount).toBe(0);
    }
  });
});

describe('skus ordered and filtered', () => {
  const sortValue: Record<string, (n: any) => string | number> = {
    CODE: (n) => n.code,
    PRICE: (n) => Number(n.price.amount),
    AVAILABLE: (n) => n.stock.available,
  };

  for (const field of ['CODE', 'PRICE', 'AVAILABLE']) {
    for (const direction of ['ASC', 'DESC']) {
      it(`orderBy ${field} ${direction}: forward and backward pages agree and are sorted`, async () => {
        const orderBy = { field, direction };
        const forward = await walk(SKUS, { orderBy }, (d) => d.skus, 9);
        const backward = await walk(SKUS, { orderBy }, (d) => d.skus, 9, true);
        expect(forward).toHaveLength(skuCount);
        expect(new Set(codes(forward)).size).toBe(skuCount);
        expect(codes(backward)).toEqual(codes(forward));
        const values = forward.map(sortValue[field]);
        const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(values).toEqual(direction === 'ASC' ? sorted : sorted.reverse());
      });
    }
  }

  it('keeps a filter and an order across pages, and counts only the matches', async () => {
    const filter = { storageZone: 'FROZEN' };
    const frozen = await walk(
      SKUS,
      { filter, orderBy: { field: 'PRICE', direction: 'DESC' } },
      (d) => d.skus,
      3,
    );
    const expected = Number(
      (await app.dataSource.query("SELECT COUNT(*) AS n FROM sku WHERE storage_zone = 'FROZEN'"))[0].n,
    );
    expect(frozen).toHaveLength(expected);
    expect(frozen.every((s) => s.storageZone === 'FROZEN')).toBe(true);
    const total = await app.gql(SKUS, { filter, first: 1 });
    expect(total.data.skus.totalCount).toBe(expected);
  });

  it('filters by category, heritage, supplier farm, low stock and search', async () => {
    const heritage = await app.gql(SKUS, { filter: { heritage: true, category: 'HANDICRAFT' }, first: 100 });
    expect(heritage.data.skus.totalCount).toBeGreaterThan(0);
    expect(heritage.data.skus.nodes.every((s: any) => s.heritage && s.category === 'HANDICRAFT')).toBe(true);
    const supplied = await app.gql(SKUS, { filter: { supplierFarmCode: 'FARM-QINSHUI-005' }, first: 100 });
    expect(codes(supplied.data.skus.nodes)).toEqual(['QS-FUNGUS-250G', 'QS-FUNGUS-500G']);
    const low = await walk(SKUS, { filter: { lowStock: true } }, (d) => d.skus, 20);
    const notLow = await walk(SKUS, { filter: { lowStock: false } }, (d) => d.skus, 20);
    expect(low.every((s) => s.stock.isLow)).toBe(true);
    expect(notLow.every((s) => !s.stock.isLow)).toBe(true);
    expect(low.length + notLow.length).toBe(skuCount);
    const chinese = await app.gql(SKUS, { filter: { search: '沁州黄' }, first: 100 });
    expect(codes(chinese.data.skus.nodes).sort()).toEqual([
      'QS-MILLET-1KG',
      'QS-MILLET-2500G',
      'QS-MILLET-500G',
      'QS-MILLET-5KG-GIFT',
    ]);
    const byCode = await app.gql(SKUS, { filter: { search: 'gp-pear-' }, first: 100 });
    expect(codes(byCode.data.skus.nodes).sort()).toEqual([
      'GP-PEAR-2500G',
      'GP-PEAR-5KG',
      'GP-PEAR-GIFT',
      'GP-PEAR-PASTE-300G',
    ]);
  });
});

describe('page arguments', () => {
  it.each([
    [{ first: 101 }, 'first'],
    [{ last: 101 }, 'last'],
    [{ first: -1 }, 'first'],
  ])('refuses %j with BAD_USER_INPUT naming the field', async (args, field) => {
    const res = await app.gql(FARMS, args);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.data).toBeNull();
  });

  it('takes exactly 100', async () => {
    const res = await app.gql(SKUS, { first: 100 });
    expect(res.errors).toBeUndefined();
    expect(res.data.skus.nodes).toHaveLength(Math.min(100, skuCount));
  });

  it('defaults to 20', async () => {
    const res = await app.gql(SKUS, {});
    expect(res.data.skus.nodes).toHaveLength(20);
  });

  it.each([
    [{ first: 5, after: 'not-a-cursor' }, 'after'],
    [{ last: 5, before: 'bm90IGpzb24' }, 'before'],
    [{ first: 5, after: Buffer.from('[1,2,3]').toString('base64url') }, 'after'],
  ])('refuses a bad cursor %j with BAD_USER_INPUT', async (args, field) => {
    const res = await app.gql(FARMS, args);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses a cursor of a list in another order', async () => {
    const byId = await app.gql(SKUS, { first: 2 });
    const res = await app.gql(SKUS, {
      first: 2,
      after: byId.data.skus.pageInfo.endCursor,
      orderBy: { field: 'PRICE', direction: 'ASC' },
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('nested connections', () => {
  const FARM_LOTS = `query($first: Int, $after: String, $last: Int, $before: String) {
    farms(first: 2) { nodes { code lots(first: $first, after: $after, last: $last, before: $before) {
      nodes { code } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } } } }`;

  it("pages each farm's lots forward and backward, with its own total", async () => {
    const res = await app.gql(FARM_LOTS, { first: 4 });
    expect(res.errors).toBeUndefined();
    const [first, second] = res.data.farms.nodes;
    expect(first.lots.totalCount).toBe(9);
    expect(second.lots.totalCount).toBe(4);
    expect(first.lots.nodes).toHaveLength(4);
    expect(first.lots.pageInfo.hasNextPage).toBe(true);
    expect(second.lots.pageInfo.hasNextPage).toBe(false);
    const forward = await walk(FARM_LOTS, {}, (d) => d.farms.nodes[0].lots, 4);
    const backward = await walk(FARM_LOTS, {}, (d) => d.farms.nodes[0].lots, 4, true);
    expect(forward).toHaveLength(9);
    expect(codes(backward)).toEqual(codes(forward));
  });

  it("pages a merchant's orders, with filters", async () => {
    const MERCHANT_ORDERS = `query($first: Int, $after: String, $last: Int, $before: String) {
      merchants(first: 1) { nodes { orders(first: $first, after: $after, last: $last, before: $before) {
        nodes { number status } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } } } }`;
    const forward = await walk(MERCHANT_ORDERS, {}, (d) => d.merchants.nodes[0].orders, 3);
    const backward = await walk(MERCHANT_ORDERS, {}, (d) => d.merchants.nodes[0].orders, 3, true);
    expect(forward).toHaveLength(7);
    expect(backward.map((o) => o.number)).toEqual(forward.map((o) => o.number));
    const cancelled = await app.gql(
      '{ merchants(first: 1) { nodes { orders(filter: { status: CANCELLED }) { nodes { status } totalCount } } } }',
    );
    const orders = cancelled.data.merchants.nodes[0].orders;
    expect(orders.totalCount).toBe(3);
    expect(orders.nodes.every((o: any) => o.status === 'CANCELLED')).toBe(true);
  });

  it('refuses more than 100 in a nested page', async () => {
    const res = await app.gql('{ farms(first: 1) { nodes { lots(first: 101) { totalCount } } } }');
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
