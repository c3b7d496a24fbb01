import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
const QUERY = 'query($codes: [String!]!) { stockLevels(skuCodes: $codes) { sku { code } onHand reserved unsellable available isLow } }';

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  // Balances set directly: this file is about the batch read, not about how stock arrives.
  const set = (code: string, onHand: number, reserved: number, held: number) => app.dataSource.query(
    'UPDATE stock_level SET on_hand = ?, reserved = ?, held_or_expired = ? WHERE sku_id = (SELECT id FROM sku WHERE code = ?)', [onHand, reserved, held, code]);
  await set('JC-MILLET-2500G', 120, 20, 0);
  await set('JC-HAWTHORN-500G', 10, 4, 3);
  await set('JC-PEAR-5KG', 5, 4, 3);
});
afterAll(() => app.close());

describe('stockLevels', () => {
  it('answers one entry per code, in the order given, with the balances', async () => {
    const res = await app.gql(QUERY, { codes: ['JC-PEAR-5KG', 'JC-MILLET-2500G', 'JC-HAWTHORN-500G'] });
    expect(res.errors).toBeUndefined();
    expect(res.data.stockLevels).toEqual([
      { sku: { code: 'JC-PEAR-5KG' }, onHand: 5, reserved: 4, unsellable: 3, available: 0, isLow: true },
      { sku: { code: 'JC-MILLET-2500G' }, onHand: 120, reserved: 20, unsellable: 0, available: 100, isLow: false },
      { sku: { code: 'JC-HAWTHORN-500G' }, onHand: 10, reserved: 4, unsellable: 3, available: 3, isLow: true },
    ]);
  });

  it('repeats an entry for a repeated code and answers null for unknown codes, in place', async () => {
    const res = await app.gql(QUERY, { codes: ['NOPE-1', 'JC-MILLET-2500G', 'jc-millet-2500g', 'JC-MILLET-2500G', 'NOPE-2'] });
    expect(res.errors).toBeUndefined();
    expect(res.data.stockLevels.map((s: { sku: { code: string } } | null) => s?.sku.code ?? null))
      .toEqual([null, 'JC-MILLET-2500G', null, 'JC-MILLET-2500G', null]);
  });

  it('answers an empty list for no codes', async () => {
    const res = await app.gql(QUERY, { codes: [] });
    expect(res.data.stockLevels).toEqual([]);
  });

  it('takes 250 codes and refuses 251 with BAD_USER_INPUT on skuCodes', async () => {
    const codes = Array.from({ length: 250 }, (_, i) => (i % 2 ? 'JC-PEAR-5KG' : `UNKNOWN-${i}`));
    const ok = await app.gql(QUERY, { codes });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.stockLevels).toHaveLength(250);
    expect(ok.data.stockLevels.filter((s: unknown) => s !== null)).toHaveLength(125);
    const refused = await app.gql(QUERY, { codes: [...codes, 'JC-PEAR-5KG'] });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'skuCodes' });
    expect(refused.data).toBeNull();
  });

  it('serves every role, merchants included', async () => {
    for (const role of [Role.MERCHANT, Role.WAREHOUSE, Role.OFFICIAL]) {
      const key = await app.keyFor(role, role === Role.MERCHANT ? 'M-BAOFU-01' : undefined);
      const res = await app.gql(QUERY, { codes: ['JC-MILLET-2500G'] }, key);
      expect(res.errors).toBeUndefined();
      expect(res.data.stockLevels[0].available).toBe(100);
    }
  });
});
