import { TestApp } from './test-app';

/** A small reference data set, created through the API as an operator would. */
export async function createReferenceData(app: TestApp): Promise<void> {
  const run = async (query: string, input: Record<string, unknown>) => {
    const res = await app.gql(query, { input });
    if (res.errors) throw new Error(`fixture failed: ${JSON.stringify(res.errors)}`);
  };
  const sku = (code: string, zone: string, price: string, shelfLifeDays = 180) =>
    run('mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }', {
      code,
      name: code,
      category: 'GRAIN',
      unit: 'bag',
      unitWeightGrams: 500,
      storageZone: zone,
      shelfLifeDays,
      price,
      lowStockThreshold: 5,
    });
  await sku('JC-MILLET-2500G', 'AMBIENT', '39.90', 365);
  await sku('JC-HAWTHORN-500G', 'AMBIENT', '12.35');
  await sku('JC-PEAR-5KG', 'CHILLED', '0.10', 30);
  await run('mutation($input: CreateFarmInput!) { createFarm(input: $input) { id } }', {
    code: 'FARM-QINSHUI-001',
    name: 'Qinshui millet cooperative',
    village: 'Zhengzhuang',
    township: 'Zhengzhuang',
    county: 'Qinshui',
    contactName: 'Wang Fang',
    phone: '13800000001',
    skuCodes: ['JC-MILLET-2500G'],
  });
  await run('mutation($input: CreateFarmInput!) { createFarm(input: $input) { id } }', {
    code: 'FARM-ZEZHOU-002',
    name: 'Zezhou hawthorn orchard',
    village: 'Beijie',
    township: 'Gaodu',
    county: 'Zezhou',
    skuCodes: ['JC-HAWTHORN-500G', 'JC-PEAR-5KG'],
  });
  for (const [code, zone] of [
    ['A-01-01', 'AMBIENT'],
    ['A-01-02', 'AMBIENT'],
    ['C-01-01', 'CHILLED'],
    ['F-01-01', 'FROZEN'],
  ]) {
    await run('mutation($input: CreateLocationInput!) { createLocation(input: $input) { id } }', {
      code,
      zone,
    });
  }
  await run('mutation($input: CreateMerchantInput!) { createMerchant(input: $input) { id } }', {
    code: 'M-BAOFU-01',
    name: 'Baofu village millet shop',
    village: 'Baofu',
    platform: 'DOUYIN',
  });
  await run('mutation($input: CreateMerchantInput!) { createMerchant(input: $input) { id } }', {
    code: 'M-BEIJIE-02',
    name: 'Beijie hawthorn store',
    village: 'Beijie',
    platform: 'TAOBAO',
  });
  await run('mutation($input: CreateCarrierInput!) { createCarrier(input: $input) { id } }', {
    code: 'SF',
    name: 'SF Express',
  });
  await run('mutation($input: CreateCarrierInput!) { createCarrier(input: $input) { id } }', {
    code: 'YTO',
    name: 'YTO Express',
  });
  await run('mutation($input: CreateVillageStationInput!) { createVillageStation(input: $input) { id } }', {
    code: 'ST-GAODU-BAOFU',
    name: 'Baofu station',
    village: 'Baofu',
    township: 'Gaodu',
  });
}
