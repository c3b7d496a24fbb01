import { createDemoKeys, DEMO_MERCHANT, seedDemoIfEmpty } from '../seeds/demo';
import { PRODUCT_FAMILIES } from '../seeds/data/skus';
import { CreatedKey } from '../src/auth/api-key.service';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let keys: CreatedKey[] | null;
beforeAll(async () => {
  app = await startTestApp();
  const started = Date.now();
  keys = await seedDemoIfEmpty(app.dataSource);
  console.log(`demo data set loaded in ${Date.now() - started} ms (${app.dataSource.options.type})`);
}, 600_000);
afterAll(() => app.close());

const count = async (table: string) =>
  Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

describe('the demo data set', () => {
  it('loads the reference data on a fresh database', async () => {
    const res = await app.gql(
      '{ farms { totalCount } skus { totalCount } merchants { totalCount } carriers { code } villageStations { code } locations { zone } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.farms.totalCount).toBeGreaterThanOrEqual(38);
    expect(res.data.skus.totalCount).toBe(PRODUCT_FAMILIES.flatMap((f) => f.packs).length);
    expect(res.data.skus.totalCount).toBeGreaterThanOrEqual(75);
    expect(res.data.merchants.totalCount).toBeGreaterThanOrEqual(20);
    expect(res.data.carriers.map((c: { code: string }) => c.code).sort()).toEqual([
      'EMS',
      'JD',
      'JT',
      'SF',
      'STO',
      'YTO',
      'YUNDA',
      'ZTO',
    ]);
    expect(res.data.villageStations).toHaveLength(30);
    expect(new Set(res.data.locations.map((l: { zone: string }) => l.zone))).toEqual(
      new Set(['AMBIENT', 'CHILLED', 'FROZEN']),
    );
  });

  it('covers every storage zone with SKUs and names the Jincheng specialties', async () => {
    for (const zone of ['AMBIENT', 'CHILLED', 'FROZEN']) {
      const res = await app.gql(
        'query($zone: StorageZone) { skus(filter: { storageZone: $zone }) { totalCount } }',
        { zone },
      );
      expect(res.data.skus.totalCount).toBeGreaterThan(0);
    }
    const millet = await app.gql(
      '{ skus(filter: { search: "沁州黄" }) { nodes { code suppliers { county } } } }',
    );
    expect(millet.data.skus.nodes.length).toBeGreaterThan(0);
    expect(millet.data.skus.nodes[0].suppliers.every((f: { county: string }) => f.county === 'Qinshui')).toBe(
      true,
    );
    const gaodu = await app.gql('{ farms(filter: { township: "Gaodu" }) { nodes { village } } }');
    expect(gaodu.data.farms.nodes.map((f: { village: string }) => f.village)).toEqual(
      expect.arrayContaining(['Baofu', 'Beijie']),
    );
  });

  it('returns one working key per role, the merchant key bound to the demo merchant', async () => {
    expect(keys?.map((k) => k.role).sort()).toEqual(['ADMIN', 'MERCHANT', 'OFFICIAL', 'WAREHOUSE']);
    for (const key of keys!) {
      const res = await app.gql('{ me { role label merchant { code } } }', {}, key.token);
      expect(res.errors).toBeUndefined();
      expect(res.data.me.role).toBe(key.role);
      expect(res.data.me.merchant?.code ?? null).toBe(key.role === 'MERCHANT' ? DEMO_MERCHANT : null);
    }
  });

  it('does nothing on a second call', async () => {
    const tables = [
      'farm',
      'sku',
      'merchant',
      'location',
      'carrier',
      'village_station',
      'lot',
      'orders',
      'stock_movement',
      'api_key',
    ];
    const before = await Promise.all(tables.map(count));
    expect(await seedDemoIfEmpty(app.dataSource)).toBeNull();
    expect(await Promise.all(tables.map(count))).toEqual(before);
  });

  it('keeps the ledger: per SKU on-hand = Σ movement deltas = Σ lot on-hand', async () => {
    const rows: { sku_id: number; on_hand: number; moved: number; in_lots: number }[] = await app.dataSource
      .query(`
      SELECT sl.sku_id, sl.on_hand,
        (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.sku_id = sl.sku_id) AS moved,
        (SELECT COALESCE(SUM(l.quantity_on_hand), 0) FROM lot l WHERE l.sku_id = sl.sku_id) AS in_lots
      FROM stock_level sl`);
    expect(rows.length).toBe(await count('sku'));
    for (const row of rows) {
      expect([Number(row.moved), Number(row.in_lots)]).toEqual([Number(row.on_hand), Number(row.on_hand)]);
    }
  });

  it('holds lots in every status, orders at every step and every kind of movement, over a few months', async () => {
    for (const status of ['ACTIVE', 'HELD', 'EXPIRED', 'DEPLETED']) {
      const res = await app.gql(
        'query($status: LotStatus) { lots(filter: { status: $status }, first: 1) { nodes { status } totalCount } }',
        { status },
      );
      expect([status, res.data.lots.totalCount]).toEqual([status, expect.any(Number)]);
      expect(res.data.lots.totalCount).toBeGreaterThan(0);
      expect(res.data.lots.nodes[0].status).toBe(status);
    }
    for (const status of [
      'PLACED',
      'ALLOCATED',
      'PICKED',
      'DISPATCHED',
      'DELIVERED',
      'CANCELLED',
      'RETURNED',
    ]) {
      const res = await app.gql(
        'query($status: OrderStatus) { orders(filter: { status: $status }, first: 1) { totalCount } }',
        { status },
      );
      expect([status, res.data.orders.totalCount > 0]).toEqual([status, true]);
    }
    for (const type of ['RECEIPT', 'PICK', 'ADJUSTMENT', 'EXPIRY', 'TRANSFER', 'RETURN']) {
      const res = await app.gql(
        'query($type: MovementType) { stockMovements(filter: { type: $type }, first: 1) { totalCount } }',
        { type },
      );
      expect([type, res.data.stockMovements.totalCount > 0]).toEqual([type, true]);
    }
    const span = await app.gql(
      '{ newest: orders(first: 1) { nodes { placedAt } totalCount } oldest: orders(last: 1) { nodes { placedAt } } }',
    );
    const day = 24 * 3600 * 1000;
    expect(span.data.newest.totalCount).toBeGreaterThan(200);
    expect(Date.parse(span.data.oldest.nodes[0].placedAt)).toBeLessThan(Date.now() - 60 * day);
    expect(Date.parse(span.data.newest.nodes[0].placedAt)).toBeGreaterThan(Date.now() - 2 * day);
    expect(Date.parse(span.data.newest.nodes[0].placedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('tells each order its own story: events in order, a delivered order dispatched with a carrier', async () => {
    const res = await app.gql(
      '{ orders(filter: { status: DELIVERED }, first: 5) { nodes { carrier { code } trackingNumber dispatchedAt deliveredAt history { status at } } } }',
    );
    for (const order of res.data.orders.nodes) {
      expect(order.carrier.code).toMatch(/^[A-Z]+$/);
      expect(order.history.map((e: { status: string }) => e.status)).toEqual([
        'PLACED',
        'ALLOCATED',
        'PICKED',
        'DISPATCHED',
        'DELIVERED',
      ]);
      const times = order.history.map((e: { at: string }) => Date.parse(e.at));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(Date.parse(order.deliveredAt)).toBeGreaterThan(Date.parse(order.dispatchedAt));
    }
  });

  it('holds partial returns, stocktakes with and without a difference, and writes sent twice done once', async () => {
    const partial = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM order_return r JOIN orders o ON o.id = r.order_id WHERE o.status = 'DELIVERED'",
    );
    expect(Number(partial[0].n)).toBeGreaterThan(0);
    const counts: { previous_quantity: number; counted_quantity: number; movement_id: number | null }[] =
      await app.dataSource.query('SELECT previous_quantity, counted_quantity, movement_id FROM stock_count');
    expect(counts.some((c) => Number(c.counted_quantity) === Number(c.previous_quantity))).toBe(true);
    expect(counts.some((c) => Number(c.counted_quantity) !== Number(c.previous_quantity))).toBe(true);
    for (const c of counts)
      expect(c.movement_id === null).toBe(Number(c.counted_quantity) === Number(c.previous_quantity));
    // demo-order-23 was placed twice with its key, the millet move sent twice: one order, one transfer.
    const placed = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM idempotency_record WHERE idempotency_key = 'demo-order-23'",
    );
    expect(Number(placed[0].n)).toBe(1);
    const orders = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM order_event WHERE status = 'PLACED' AND order_id = (SELECT result_id FROM idempotency_record WHERE idempotency_key = 'demo-order-23')",
    );
    expect(Number(orders[0].n)).toBe(1);
    const moves = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM stock_movement m JOIN sku s ON s.id = m.sku_id WHERE m.type = 'TRANSFER' AND s.code = 'QS-MILLET-2500G'",
    );
    expect(Number(moves[0].n)).toBe(1);
  });

  it('keeps reservations: per SKU reserved = Σ unpicked units of PLACED and ALLOCATED orders', async () => {
    const rows: { sku_id: number; reserved: number; open: number }[] = await app.dataSource.query(`
      SELECT sl.sku_id, sl.reserved,
        (SELECT COALESCE(SUM(ol.quantity), 0) FROM order_line ol JOIN orders o ON o.id = ol.order_id
          WHERE ol.sku_id = sl.sku_id AND o.status IN ('PLACED', 'ALLOCATED')) AS open
      FROM stock_level sl`);
    expect(rows.some((row) => Number(row.reserved) > 0)).toBe(true);
    for (const row of rows) expect(Number(row.reserved)).toBe(Number(row.open));
  });

  it('makes keys only when asked: createDemoKeys adds four more', async () => {
    const before = await count('api_key');
    await createDemoKeys(app.dataSource);
    expect(await count('api_key')).toBe(before + 4);
  });
});
