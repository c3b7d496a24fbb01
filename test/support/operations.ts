import { TestApp } from './test-app';

/** GraphQL helpers for tests of stock and order operations. */

export const LOT_FIELDS =
  'code status quantityReceived quantityOnHand expiresOn harvestedOn holdReason sku { code } placements { location { code } quantity }';
export const ORDER_FIELDS = `number status total { amount currency } merchant { code }
  lines { sku { code } quantity unitPrice { amount } lineTotal { amount } allocations { lot { code } location { code } quantity } }
  history { status actor note } carrier { code } trackingNumber parcels weightGrams dispatchedAt deliveredAt cancelledAt cancelReason`;

let keySequence = 0;
export const nextKey = (prefix = 'k') => `${prefix}-${++keySequence}-${Date.now().toString(36)}`;

export interface ReceiveArgs {
  skuCode: string;
  farmCode?: string;
  quantity: number;
  locationCode: string;
  harvestedOn?: string;
  expiresOn?: string;
  idempotencyKey?: string;
}

export async function receive(app: TestApp, args: ReceiveArgs, token?: string) {
  const farmCode =
    args.farmCode ?? (args.skuCode === 'JC-MILLET-2500G' ? 'FARM-QINSHUI-001' : 'FARM-ZEZHOU-002');
  const res = await app.gql(
    `mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { ${LOT_FIELDS} } }`,
    { input: { idempotencyKey: nextKey('rcv'), ...args, farmCode } },
    token,
  );
  if (res.errors) throw new Error(`receiveLot failed: ${JSON.stringify(res.errors)}`);
  return res.data.receiveLot;
}

/**
 * A SKU of a test's own (an ambient box of fruit at 8.80, supplied by FARM-ZEZHOU-002 of the reference
 * data) with `units` received into A-01-01 (none when 0); answers its id.
 */
export async function stockedSku(app: TestApp, code: string, units: number, token?: string): Promise<number> {
  const res = await app.gql('mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }', {
    input: {
      code,
      name: code,
      category: 'FRUIT',
      unit: 'box',
      unitWeightGrams: 500,
      storageZone: 'AMBIENT',
      shelfLifeDays: 60,
      price: '8.80',
    },
  });
  if (res.errors) throw new Error(`createSku failed: ${JSON.stringify(res.errors)}`);
  if (units) await receive(app, { skuCode: code, quantity: units, locationCode: 'A-01-01' }, token);
  const [{ id }] = await app.dataSource.query('SELECT id FROM sku WHERE code = ?', [code]);
  return Number(id);
}

export function placeOrderRaw(app: TestApp, input: Record<string, unknown>, token?: string) {
  return app.gql(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`,
    { input: { idempotencyKey: nextKey('ord'), destination: { stationCode: 'ST-GAODU-BAOFU' }, ...input } },
    token,
  );
}

export async function place(
  app: TestApp,
  lines: { skuCode: string; quantity: number }[],
  token?: string,
  extra: Record<string, unknown> = {},
) {
  const res = await placeOrderRaw(
    app,
    { lines, ...(token ? {} : { merchantCode: 'M-BAOFU-01' }), ...extra },
    token,
  );
  if (res.errors) throw new Error(`placeOrder failed: ${JSON.stringify(res.errors)}`);
  return res.data.placeOrder;
}

export async function transition(
  app: TestApp,
  mutation: 'allocateOrder' | 'pickOrder' | 'markDelivered',
  number: string,
  token?: string,
) {
  return app.gql(
    `mutation($number: String!) { ${mutation}(number: $number) { ${ORDER_FIELDS} } }`,
    { number },
    token,
  );
}

export async function stockOf(app: TestApp, skuCode: string) {
  const res = await app.gql(
    'query($c: String!) { sku(code: $c) { stock { onHand reserved unsellable available } } }',
    { c: skuCode },
  );
  return res.data.sku.stock as { onHand: number; reserved: number; unsellable: number; available: number };
}

/**
 * Row counts of every table and stock balances straight from the database, to show that a refused request
 * changed nothing.
 */
export async function snapshot(app: TestApp) {
  const count = async (table: string) =>
    Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  // Every table of the schema, so a refused request that wrote anywhere shows (but the API keys tests issue).
  const tables = app.dataSource.entityMetadatas
    .map((meta) => meta.tableName)
    .filter((table) => table !== 'api_key')
    .sort();
  const counts = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)])));
  const levels = await app.dataSource.query(
    'SELECT sku_id, on_hand, reserved, held_or_expired FROM stock_level ORDER BY sku_id',
  );
  const placements = await app.dataSource.query(
    'SELECT lot_id, location_id, quantity, allocated FROM lot_placement ORDER BY lot_id, location_id',
  );
  const lots = await app.dataSource.query('SELECT id, status, quantity_on_hand FROM lot ORDER BY id');
  const orders = await app.dataSource.query('SELECT id, status FROM orders ORDER BY id');
  return JSON.parse(JSON.stringify({ counts, levels, placements, lots, orders }));
}
