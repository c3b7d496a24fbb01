import { createDemoKeys, DEMO_MERCHANT, seedDemoIfEmpty } from '../seeds/demo';
import { PRODUCT_FAMILIES } from '../seeds/data/skus';
import { CreatedKey } from '../src/auth/api-key.service';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let keys: CreatedKey[] | null;
beforeAll(async () => {
  app = await startTestApp();
  keys = await seedDemoIfEmpty(app.dataSource);
});
afterAll(() => app.close());

const count = async (table: string) => Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

describe('the demo data set', () => {
  it('loads the reference data on a fresh database', async () => {
    const res = await app.gql('{ farms { totalCount } skus { totalCount } merchants { totalCount } carriers { code } villageStations { code } locations { zone } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.farms.totalCount).toBeGreaterThanOrEqual(38);
    expect(res.data.skus.totalCount).toBe(PRODUCT_FAMILIES.flatMap((f) => f.packs).length);
    expect(res.data.skus.totalCount).toBeGreaterThanOrEqual(75);
    expect(res.data.merchants.totalCount).toBeGreaterThanOrEqual(20);
    expect(res.data.carriers.map((c: { code: string }) => c.code).sort()).toEqual(['EMS', 'JD', 'JT', 'SF', 'STO', 'YTO', 'YUNDA', 'ZTO']);
    expect(res.data.villageStations).toHaveLength(30);
    expect(new Set(res.data.locations.map((l: { zone: string }) => l.zone))).toEqual(new Set(['AMBIENT', 'CHILLED', 'FROZEN']));
  });

  it('covers every storage zone with SKUs and names the Jincheng specialties', async () => {
    for (const zone of ['AMBIENT', 'CHILLED', 'FROZEN']) {
      const res = await app.gql('query($zone: StorageZone) { skus(filter: { storageZone: $zone }) { totalCount } }', { zone });
      expect(res.data.skus.totalCount).toBeGreaterThan(0);
    }
    const millet = await app.gql('{ skus(filter: { search: "沁州黄" }) { nodes { code suppliers { county } } } }');
    expect(millet.data.skus.nodes.length).toBeGreaterThan(0);
    expect(millet.data.skus.nodes[0].suppliers.every((f: { county: string }) => f.county === 'Qinshui')).toBe(true);
    const gaodu = await app.gql('{ farms(filter: { township: "Gaodu" }) { nodes { village } } }');
    expect(gaodu.data.farms.nodes.map((f: { village: string }) => f.village)).toEqual(expect.arrayContaining(['Baofu', 'Beijie']));
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
    const tables = ['farm', 'sku', 'merchant', 'location', 'carrier', 'village_station', 'lot', 'orders', 'stock_movement', 'api_key'];
    const before = await Promise.all(tables.map(count));
    expect(await seedDemoIfEmpty(app.dataSource)).toBeNull();
    expect(await Promise.all(tables.map(count))).toEqual(before);
  });

  it('keeps the ledger: per SKU on-hand = Σ movement deltas = Σ lot on-hand', async () => {
    const rows: { sku_id: number; on_hand: number; moved: number; in_lots: number }[] = await app.dataSource.query(`
      SELECT sl.sku_id, sl.on_hand,
        (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.sku_id = sl.sku_id) AS moved,
        (SELECT COALESCE(SUM(l.quantity_on_hand), 0) FROM lot l WHERE l.sku_id = sl.sku_id) AS in_lots
      FROM stock_level sl`);
    expect(rows.length).toBe(await count('sku'));
    for (const row of rows) {
      expect([Number(row.moved), Number(row.in_lots)]).toEqual([Number(row.on_hand), Number(row.on_hand)]);
    }
  });

  it('makes keys only when asked: createDemoKeys adds four more', async () => {
    const before = await count('api_key');
    await createDemoKeys(app.dataSource);
    expect(await count('api_key')).toBe(before + 4);
  });
});
