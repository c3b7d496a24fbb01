import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
const QUERY =
  'query($codes: [String!]!) { stockLevels(skuCodes: $codes) { sku { code } onHand reserved unsellable available isLow } }';

/** Receives lots, places orders and holds lots through the API, so the balances come from the write paths. */
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  const call = async (query: string, input: Record<string, unknown>) => {
    const res = await app.gql(query, { input });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };
  let n = 0;
  const receive = async (
    skuCode: string,
    farmCode: string,
    locationCode: string,
    quantity: number,
  ): Promise<string> =>
    (
      await call('mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }', {
        idempotencyKey: `r${++n}`,
        skuCode,
        farmCode,
        locationCode,
        quantity,
      })
    ).receiveLot.code;
  const order = (skuCode: string, quantity: number) =>
    call('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }', {
      idempotencyKey: `o${++n}`,
      merchantCode: 'M-BAOFU-01',
      lines: [{ skuCode, quantity }],
      destination: { stationCode: 'ST-GAODU-BAOFU' },
    });
  const hold = (code: string) =>
    app.gql('mutation($code: String!) { holdLot(code: $code, reason: "inspection") { code } }', { code });
  // Millet: 120 on hand, 20 reserved.
  await receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 'A-01-01', 120);
  await order('JC-MILLET-2500G', 20);
  // Hawthorn: 10 on hand, 4 reserved, 3 in a held lot: 3 available.
  await receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 'A-01-02', 7);
  const heldHawthorn = await receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 'A-01-02', 3);
  await hold(heldHawthorn);
  await order('JC-HAWTHORN-500G', 4);
  // Pear: 5 on hand, 4 reserved, then 3 held: never below 0 available.
  await receive('JC-PEAR-5KG', 'FARM-ZEZHOU-002', 'C-01-01', 2);
  const heldPear = await receive('JC-PEAR-5KG', 'FARM-ZEZHOU-002', 'C-01-01', 3);
  await order('JC-PEAR-5KG', 4);
  await hold(heldPear);
});
afterAll(() => app.close());

describe('stockLevels', () => {
  it('answers one entry per code, in the order given, with the balances', async () => {
    const res = await app.gql(QUERY, { codes: ['JC-PEAR-5KG', 'JC-MILLET-2500G', 'JC-HAWTHORN-500G'] });
    expect(res.errors).toBeUndefined();
    expect(res.data.stockLevels).toEqual([
      { sku: { code: 'JC-PEAR-5KG' }, onHand: 5, reserved: 4, unsellable: 3, available: 0, isLow: true },
      {
        sku: { code: 'JC-MILLET-2500G' },
        onHand: 120,
        reserved: 20,
        unsellable: 0,
        available: 100,
        isLow: false,
      },
      {
        sku: { code: 'JC-HAWTHORN-500G' },
        onHand: 10,
        reserved: 4,
        unsellable: 3,
        available: 3,
        isLow: true,
      },
    ]);
  });

  it('repeats an entry for a repeated code and answers null for unknown codes, in place', async () => {
    const res = await app.gql(QUERY, {
      codes: ['NOPE-1', 'JC-MILLET-2500G', 'jc-millet-2500g', 'JC-MILLET-2500G', 'NOPE-2'],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.stockLevels.map((s: { sku: { code: string } } | null) => s?.sku.code ?? null)).toEqual([
      null,
      'JC-MILLET-2500G',
      null,
      'JC-MILLET-2500G',
      null,
    ]);
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
