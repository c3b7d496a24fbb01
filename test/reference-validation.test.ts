import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
});
afterAll(() => app.close());

const TABLES = [
  'farm',
  'sku',
  'sku_supplier',
  'stock_level',
  'merchant',
  'location',
  'carrier',
  'village_station',
  'api_key',
];

/**
 * Every row of every reference table, so that an update that changes nothing can be told from one that does.
 */
async function snapshot(): Promise<Record<string, string[]>> {
  const state: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows: Record<string, unknown>[] = await app.dataSource.query(`SELECT * FROM ${table}`);
    state[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return state;
}

const MUTATIONS = {
  createFarm: 'mutation($input: CreateFarmInput!) { createFarm(input: $input) { id } }',
  updateFarm:
    'mutation($code: String!, $input: UpdateFarmInput!) { updateFarm(code: $code, input: $input) { id } }',
  createSku: 'mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }',
  updateSku:
    'mutation($code: String!, $input: UpdateSkuInput!) { updateSku(code: $code, input: $input) { id } }',
  createMerchant: 'mutation($input: CreateMerchantInput!) { createMerchant(input: $input) { id } }',
  createLocation: 'mutation($input: CreateLocationInput!) { createLocation(input: $input) { id } }',
  createCarrier: 'mutation($input: CreateCarrierInput!) { createCarrier(input: $input) { id } }',
  createVillageStation:
    'mutation($input: CreateVillageStationInput!) { createVillageStation(input: $input) { id } }',
  createApiKey: 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id } }',
};
type Mutation = keyof typeof MUTATIONS;

const VALID: Record<Mutation, Record<string, unknown>> = {
  createFarm: {
    code: 'FARM-GAOPING-101',
    name: 'Mishan pear farm',
    village: 'Mishan',
    township: 'Mishan',
    county: 'Gaoping',
    skuCodes: ['JC-PEAR-5KG'],
  },
  updateFarm: { name: 'Zhengzhuang millet cooperative (renamed)' },
  createSku: {
    code: 'GP-PEAR-2500G',
    name: 'Gaoping yellow pears',
    category: 'FRUIT',
    unit: '2.5 kg box',
    unitWeightGrams: 2500,
    storageZone: 'CHILLED',
    shelfLifeDays: 60,
    price: '25.80',
  },
  updateSku: { price: '41.00' },
  createMerchant: {
    code: 'M-NANJIE-01',
    name: 'Nanjie Chestnut House',
    village: 'Nanjie',
    platform: 'WECHAT',
    storefrontUrl: 'https://nanjie.example.cn/shop',
  },
  createLocation: { code: 'F-02-01', zone: 'FROZEN' },
  createCarrier: { code: 'JD', name: 'JD Logistics' },
  createVillageStation: {
    code: 'ST-GAODU-BEIJIE',
    name: 'Beijie station',
    village: 'Beijie',
    township: 'Gaodu',
  },
  createApiKey: { role: 'OFFICIAL', label: 'county office' },
};
const UPDATE_TARGET: Partial<Record<Mutation, string>> = {
  updateFarm: 'FARM-QINSHUI-001',
  updateSku: 'JC-MILLET-2500G',
};

/**
 * [mutation, what is changed in the valid input, expected code, expected field]; `code` replaces the updated
 * object's code.
 */
type Case = [Mutation, Record<string, unknown>, string, string];
const bad = (mutation: Mutation, patch: Record<string, unknown>, field: string): Case => [
  mutation,
  patch,
  'BAD_USER_INPUT',
  field,
];
const badCodes = (mutation: Mutation): Case[] =>
  [
    'farm-lower',
    'F',
    'X'.repeat(41),
    '-LEADING-DASH',
    'WITH SPACE',
    'UNDER_SCORE',
    '',
    'FÄRM-1',
    "A1'; DROP TABLE farm; --",
    'A1\n',
  ].map((code) => bad(mutation, { code }, 'code'));
const tooLong = (n: number) => 'x'.repeat(n + 1);

const CASES: Case[] = [
  ...badCodes('createFarm'),
  bad('createFarm', { name: '' }, 'name'),
  bad('createFarm', { name: tooLong(120) }, 'name'),
  bad('createFarm', { name: undefined }, 'name'),
  bad('createFarm', { name: 5 }, 'name'),
  bad('createFarm', { village: '' }, 'village'),
  bad('createFarm', { township: tooLong(80) }, 'township'),
  bad('createFarm', { county: '' }, 'county'),
  bad('createFarm', { contactName: '' }, 'contactName'),
  bad('createFarm', { phone: 'call me' }, 'phone'),
  bad('createFarm', { phone: '123' }, 'phone'),
  bad('createFarm', { certifications: [''] }, 'certifications'),
  bad('createFarm', { certifications: Array.from({ length: 21 }, (_, i) => `C${i}`) }, 'certifications'),
  bad('createFarm', { skuCodes: ['bad code'] }, 'skuCodes'),
  bad('createFarm', { unknownField: 1 }, 'unknownField'),
  ['createFarm', { skuCodes: ['NOPE-1'] }, 'NOT_FOUND', 'skuCodes'],
  ['createFarm', { skuCodes: ['JC-PEAR-5KG', 'NOPE-2'] }, 'NOT_FOUND', 'skuCodes'],
  ['createFarm', { code: 'FARM-QINSHUI-001' }, 'CONFLICT', 'code'],

  ['updateFarm', { code: 'FARM-NOPE-1' }, 'NOT_FOUND', 'code'],
  bad('updateFarm', { name: '' }, 'name'),
  bad('updateFarm', { county: tooLong(80) }, 'county'),
  bad('updateFarm', { phone: 'x' }, 'phone'),
  bad('updateFarm', { certifications: [tooLong(80)] }, 'certifications'),
  bad('updateFarm', { active: 'yes' }, 'active'),
  ['updateFarm', { skuCodes: ['JC-HAWTHORN-500G', 'NOPE-1'] }, 'NOT_FOUND', 'skuCodes'],

  ...badCodes('createSku'),
  ...[
    '1.234',
    '-1',
    'abc',
    '',
    '1.',
    '.5',
    '1e3',
    ' 1.00',
    '1,00',
    '0x10',
    '99999999999999.00',
    'NaN',
    'Infinity',
  ].map((price) => bad('createSku', { price }, 'price')),
  bad('createSku', { price: 1.5 }, 'price'),
  bad('createSku', { price: 12 }, 'price'),
  bad('createSku', { price: null }, 'price'),
  ...[0, -1, 1_000_001].map((unitWeightGrams) => bad('createSku', { unitWeightGrams }, 'unitWeightGrams')),
  bad('createSku', { unitWeightGrams: 2 ** 31 }, 'unitWeightGrams'),
  bad('createSku', { unitWeightGrams: 1.5 }, 'unitWeightGrams'),
  bad('createSku', { unitWeightGrams: '500' }, 'unitWeightGrams'),
  ...[0, -5, 3651].map((shelfLifeDays) => bad('createSku', { shelfLifeDays }, 'shelfLifeDays')),
  ...[-1, 1_000_001].map((lowStockThreshold) => bad('createSku', { lowStockThreshold }, 'lowStockThreshold')),
  bad('createSku', { category: 'FISH' }, 'category'),
  bad('createSku', { storageZone: 'WARM' }, 'storageZone'),
  bad('createSku', { unit: '' }, 'unit'),
  bad('createSku', { unit: tooLong(40) }, 'unit'),
  bad('createSku', { localName: '' }, 'localName'),
  bad('createSku', { geographicalIndication: tooLong(120) }, 'geographicalIndication'),
  bad('createSku', { heritage: 'true' }, 'heritage'),
  ['createSku', { code: 'JC-MILLET-2500G' }, 'CONFLICT', 'code'],

  ['updateSku', { code: 'NOPE-SKU' }, 'NOT_FOUND', 'code'],
  ...['-1', '1.005', 'free'].map((price) => bad('updateSku', { price }, 'price')),
  bad('updateSku', { shelfLifeDays: 0 }, 'shelfLifeDays'),
  bad('updateSku', { unitWeightGrams: -1 }, 'unitWeightGrams'),
  bad('updateSku', { name: '' }, 'name'),
  bad('updateSku', { lowStockThreshold: -3 }, 'lowStockThreshold'),
  bad('updateSku', { storageZone: 'COLD' }, 'storageZone'),

  ...badCodes('createMerchant'),
  bad('createMerchant', { name: '' }, 'name'),
  bad('createMerchant', { village: tooLong(80) }, 'village'),
  bad('createMerchant', { platform: 'WEIBO' }, 'platform'),
  ...[
    'not a url',
    'ftp://shop.example.cn',
    'javascript:alert(1)',
    'shop.example.cn',
    `https://example.cn/${'a'.repeat(290)}`,
  ].map((storefrontUrl) => bad('createMerchant', { storefrontUrl }, 'storefrontUrl')),
  ['createMerchant', { code: 'M-BAOFU-01' }, 'CONFLICT', 'code'],

  ...badCodes('createLocation'),
  bad('createLocation', { zone: 'HOT' }, 'zone'),
  bad('createLocation', { zone: undefined }, 'zone'),
  ['createLocation', { code: 'A-01-01' }, 'CONFLICT', 'code'],

  ...badCodes('createCarrier'),
  bad('createCarrier', { name: '' }, 'name'),
  bad('createCarrier', { name: tooLong(80) }, 'name'),
  ['createCarrier', { code: 'SF' }, 'CONFLICT', 'code'],

  ...badCodes('createVillageStation'),
  bad('createVillageStation', { name: '' }, 'name'),
  bad('createVillageStation', { village: tooLong(80) }, 'village'),
  bad('createVillageStation', { township: '' }, 'township'),
  ['createVillageStation', { code: 'ST-GAODU-BAOFU' }, 'CONFLICT', 'code'],

  bad('createApiKey', { role: 'ROOT' }, 'role'),
  bad('createApiKey', { label: '' }, 'label'),
  bad('createApiKey', { label: tooLong(80) }, 'label'),
  bad('createApiKey', { role: 'MERCHANT' }, 'merchantCode'),
  bad('createApiKey', { merchantCode: 'M-BAOFU-01' }, 'merchantCode'),
  ['createApiKey', { role: 'MERCHANT', merchantCode: 'M-NOWHERE-1' }, 'NOT_FOUND', 'merchantCode'],
];

function variables(mutation: Mutation, patch: Record<string, unknown>): Record<string, unknown> {
  const target = UPDATE_TARGET[mutation];
  if (target) {
    const { code, ...rest } = patch;
    return { code: code ?? target, input: { ...VALID[mutation], ...rest } };
  }
  const input: Record<string, unknown> = { ...VALID[mutation], ...patch };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return { input };
}

describe('malformed reference data', () => {
  const table = CASES.map(
    ([mutation, patch, code, field], i) =>
      [mutation, JSON.stringify(patch).slice(0, 70), code, field, i] as const,
  );
  it.each(table)('%s %s -> %s on %s', async (_mutation, _patch, _code, _field, i) => {
    const [mutation, patch, code, field] = CASES[i];
    const before = await snapshot();
    const res = await app.gql(MUTATIONS[mutation], variables(mutation, patch));
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code, field });
    expect(res.data?.[mutation] ?? null).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it('accepts the valid inputs the cases start from, so each refusal above is due to its change', async () => {
    for (const mutation of Object.keys(MUTATIONS) as Mutation[]) {
      const before = await snapshot();
      const res = await app.gql(MUTATIONS[mutation], variables(mutation, {}));
      expect(res.errors).toBeUndefined();
      expect(await snapshot()).not.toEqual(before);
    }
    const farm = await app.gql(
      '{ farm(code: "FARM-GAOPING-101") { skus { code } } sku(code: "JC-MILLET-2500G") { price { amount } } }',
    );
    expect(farm.data).toEqual({
      farm: { skus: [{ code: 'JC-PEAR-5KG' }] },
      sku: { price: { amount: '41.00' } },
    });
  });
});
