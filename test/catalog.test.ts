import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
});
afterAll(() => app.close());

describe('reference data', () => {
  it('creates a SKU with an exact price and an empty stock level', async () => {
    const res = await app.gql(
      '{ sku(code: "JC-HAWTHORN-500G") { code price { amount currency } stock { onHand reserved available } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.sku).toEqual({
      code: 'JC-HAWTHORN-500G',
      price: { amount: '12.35', currency: 'CNY' },
      stock: { onHand: 0, reserved: 0, available: 0 },
    });
  });

  it('refuses a duplicate code with CONFLICT and writes nothing', async () => {
    const before = await app.gql('{ farms { totalCount } }');
    const res = await app.gql(
      'mutation { createFarm(input: { code: "FARM-QINSHUI-001", name: "again", village: "v", township: "t", county: "c" }) { id } }',
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'code' });
    const after = await app.gql('{ farms { totalCount } }');
    expect(after.data.farms.totalCount).toBe(before.data.farms.totalCount);
  });

  it('lets only ADMIN write reference data', async () => {
    const warehouse = await app.keyFor(Role.WAREHOUSE);
    const res = await app.gql(
      'mutation { createCarrier(input: { code: "ZTO", name: "ZTO" }) { id } }',
      {},
      warehouse,
    );
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const carriers = await app.gql('{ carriers { code } }');
    expect(carriers.data.carriers.map((c: { code: string }) => c.code)).toEqual(['SF', 'YTO']);
  });
});
