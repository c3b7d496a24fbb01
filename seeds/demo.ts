import { DataSource } from 'typeorm';
import { ApiKeyService, CreatedKey } from '../src/auth/api-key.service';
import { Carrier } from '../src/catalog/carrier.entity';
import { CatalogService } from '../src/catalog/catalog.service';
import { Farm } from '../src/catalog/farm.entity';
import { Location } from '../src/catalog/location.entity';
import { Sku } from '../src/catalog/sku.entity';
import { VillageStation } from '../src/catalog/village-station.entity';
import { Role } from '../src/graphql/enums';
import { Merchant } from '../src/orders/merchant.entity';
import { Order } from '../src/orders/order.entity';
import { Lot } from '../src/stock/lot.entity';
import { currentTime, runWithClock, shanghaiDayStart } from '../src/time';
import { ReplayClock } from './clock';
import { CARRIERS } from './data/carriers';
import { FARMS } from './data/farms';
import { MERCHANTS } from './data/merchants';
import { BIN_AISLES, STATION_VILLAGES, stationCode } from './data/places';
import { PRODUCT_FAMILIES, skuCode } from './data/skus';
import { historyWindow, planHistory, replayHistory } from './history';

/** The merchant whose demo key is printed. */
export const DEMO_MERCHANT = 'M-BAOFU-01';
const WEEK = 7 * 24 * 3600 * 1000;

/** True when the database holds no reference data, lots or orders yet (API keys may exist already). */
export async function isEmptyDatabase(dataSource: DataSource): Promise<boolean> {
  for (const entity of [Sku, Farm, Merchant, Location, Carrier, VillageStation, Lot, Order]) {
    if (await dataSource.getRepository(entity).exists()) return false;
  }
  return true;
}

/** Loads the reference data of the demo set through CatalogService, as the ADMIN mutations do. */
export async function loadReferenceData(dataSource: DataSource): Promise<void> {
  const catalog = new CatalogService(dataSource);
  for (const carrier of CARRIERS) await catalog.createCarrier(carrier);
  for (const [village, township] of STATION_VILLAGES) {
    await catalog.createVillageStation({
      code: stationCode(village, township),
      name: `${village} village station`,
      village,
      township,
    });
  }
  for (const { prefix, zone, aisles, bins } of BIN_AISLES) {
    for (let aisle = 1; aisle <= aisles; aisle++) {
      for (let bin = 1; bin <= bins; bin++) {
        await catalog.createLocation({ code: `${prefix}-${pad(aisle)}-${pad(bin)}`, zone });
      }
    }
  }
  for (const family of PRODUCT_FAMILIES) {
    for (const [suffix, unit, grams, price] of family.packs) {
      await catalog.createSku({
        code: skuCode(family, suffix),
        name: `${family.name}, ${unit}`,
        localName: family.localName,
        category: family.category,
        unit,
        unitWeightGrams: grams,
        storageZone: family.zone,
        shelfLifeDays: family.shelfLifeDays,
        price,
        heritage: family.heritage ?? false,
        geographicalIndication: family.geographicalIndication,
        lowStockThreshold: grams >= 2000 ? 10 : 20,
      });
    }
  }
  for (const farm of FARMS) {
    const { supplies, ...fields } = farm;
    const skuCodes = PRODUCT_FAMILIES.filter((f) => supplies.includes(f.prefix)).flatMap((f) =>
      f.packs.map(([suffix]) => skuCode(f, suffix)),
    );
    await catalog.createFarm({ ...fields, skuCodes });
  }
  for (const merchant of MERCHANTS) await catalog.createMerchant(merchant);
}

/** One demo key per role; the merchant key belongs to DEMO_MERCHANT. Only for the embedded database. */
export async function createDemoKeys(dataSource: DataSource): Promise<CreatedKey[]> {
  const keys = new ApiKeyService(dataSource);
  return [
    await keys.create(Role.ADMIN, 'demo admin'),
    await keys.create(Role.WAREHOUSE, 'demo warehouse tablet'),
    await keys.create(Role.OFFICIAL, 'demo county office'),
    await keys.create(Role.MERCHANT, `demo storefront ${DEMO_MERCHANT}`, DEMO_MERCHANT),
  ];
}

/**
 * Loads the whole demo data set into an empty database, as of `now`: the reference data a week before the
 * history starts, then the history planned from `now`'s Asia/Shanghai day and replayed through the
 * services with a clock set to each step's instant. The same day gives the same data at any hour.
 */
export async function loadDemoData(dataSource: DataSource, now: Date = currentTime()): Promise<void> {
  const plan = planHistory(historyWindow(now));
  const replayClock = new ReplayClock(shanghaiDayStart(plan.window.openingDay).getTime() - WEEK);
  await runWithClock(replayClock.read, () => loadReferenceData(dataSource));
  await replayHistory(dataSource, replayClock, plan);
}

/**
 * On an empty database: loads the demo set and returns one new key per role; otherwise does nothing and
 * returns null.
 */
export async function seedDemoIfEmpty(
  dataSource: DataSource,
  now: Date = currentTime(),
): Promise<CreatedKey[] | null> {
  if (!(await isEmptyDatabase(dataSource))) return null;
  await loadDemoData(dataSource, now);
  return createDemoKeys(dataSource);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
