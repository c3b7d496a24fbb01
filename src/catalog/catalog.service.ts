import { Brackets, DataSource, EntityManager, In, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Connection, ConnectionArgs, paginate, SortKey } from '../graphql/connection';
import { badInput, conflict, notFound } from '../graphql/errors';
import { SkuOrderField, SortDirection, StorageZone } from '../graphql/enums';
import { inTransaction, isDuplicateKey } from '../db/transaction';
import { parseYuanToFen } from '../money';
import { Merchant } from '../orders/merchant.entity';
import { availableSql, expiredUnitsSql, isLowSql } from '../stock/availability';
import { StockLevel } from '../stock/stock-level.entity';
import { currentTime, shanghaiToday } from '../time';
import { Carrier } from './carrier.entity';
import {
  CreateCarrierInput,
  CreateFarmInput,
  CreateLocationInput,
  CreateMerchantInput,
  CreateSkuInput,
  CreateVillageStationInput,
  FarmFilter,
  SkuFilter,
  UpdateFarmInput,
  UpdateSkuInput,
} from './catalog.inputs';
import { Farm } from './farm.entity';
import { Location } from './location.entity';
import { SkuSupplier } from './sku-supplier.entity';
import { Sku } from './sku.entity';
import { rowsWhereIn } from '../db/raw-rows';
import { VillageStation } from './village-station.entity';

/**
 * `%text%` for `LIKE ... ESCAPE '!'`, with LIKE's own wildcards taken literally. ('!' because a backslash
 * escape is spelled differently on MySQL and SQLite.)
 */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** Reference data: farms, SKUs, merchants, bins, carriers, village stations. Touches no stock. */
export class CatalogService {
  constructor(private readonly dataSource: DataSource) {}

  // ---- reads -------------------------------------------------------------

  farmByCode(code: string): Promise<Farm | null> {
    return this.dataSource.getRepository(Farm).findOneBy({ code });
  }

  farms(args: ConnectionArgs, filter: FarmFilter = {}): Promise<Connection<Farm>> {
    const query = this.dataSource.getRepository(Farm).createQueryBuilder('farm');
    if (filter.village != null) query.andWhere('farm.village = :village', { village: filter.village });
    if (filter.township != null) query.andWhere('farm.township = :township', { township: filter.township });
    if (filter.active != null) query.andWhere('farm.active = :active', { active: filter.active });
    if (filter.search) {
      query.andWhere(
        new Brackets((w) =>
          w
            .where("LOWER(farm.code) LIKE :search ESCAPE '!'")
            .orWhere("LOWER(farm.name) LIKE :search ESCAPE '!'"),
        ),
        { search: likePattern(filter.search) },
      );
    }
    return paginate(query, args);
  }

  skuByCode(code: string): Promise<Sku | null> {
    return this.dataSource.getRepository(Sku).findOneBy({ code });
  }

  skusByCodes(codes: string[]): Promise<Sku[]> {
    return codes.length === 0 ? Promise.resolve([]) : rowsWhereIn(this.dataSource, Sku, 'code', codes);
  }

  skus(
    args: ConnectionArgs,
    filter: SkuFilter = {},
    orderBy?: { field: SkuOrderField; direction: SortDirection },
  ): Promise<Connection<Sku>> {
    const query = this.dataSource.getRepository(Sku).createQueryBuilder('sku');
    const available = availableSql('sl.', expiredUnitsSql('sl.sku_id', ':today'));
    const needsStock = filter.lowStock != null || orderBy?.field === SkuOrderField.AVAILABLE;
    if (needsStock)
      query.innerJoin(StockLevel, 'sl', 'sl.sku_id = sku.id').setParameter('today', shanghaiToday());
    if (filter.category) query.andWhere('sku.category = :category', { category: filter.category });
    if (filter.storageZone) query.andWhere('sku.storage_zone = :zone', { zone: filter.storageZone });
    if (filter.heritage != null) query.andWhere('sku.heritage = :heritage', { heritage: filter.heritage });
    if (filter.active != null) query.andWhere('sku.active = :active', { active: filter.active });
    if (filter.supplierFarmCode != null) {
      query.andWhere(
        (sub) =>
          'sku.id IN ' +
          sub
            .subQuery()
            .select('ss.sku_id')
            .from(SkuSupplier, 'ss')
            .innerJoin(Farm, 'f', 'f.id = ss.farm_id')
            .where('f.code = :farmCode')
            .getQuery(),
        { farmCode: filter.supplierFarmCode },
      );
    }
    if (filter.lowStock != null) {
      query.andWhere(isLowSql(available, 'sku.low_stock_threshold', filter.lowStock));
    }
    if (filter.search) {
      query.andWhere(
        new Brackets((w) =>
          w
            .where("LOWER(sku.code) LIKE :search ESCAPE '!'")
            .orWhere("LOWER(sku.name) LIKE :search ESCAPE '!'")
            .orWhere("LOWER(sku.local_name) LIKE :search ESCAPE '!'"),
        ),
        { search: likePattern(filter.search) },
      );
    }
    const direction = orderBy?.direction ?? SortDirection.ASC;
    const sorts: Record<SkuOrderField, SortKey<Sku>> = {
      [SkuOrderField.CODE]: { expression: 'sku.code', valueOf: (s) => s.code },
      [SkuOrderField.NAME]: { expression: 'sku.name', valueOf: (s) => s.name },
      [SkuOrderField.PRICE]: { expression: 'sku.price_fen', valueOf: (s) => Number(s.priceFen) },
      [SkuOrderField.AVAILABLE]: {
        expression: available,
        valueOf: (s) => (s as Sku & { sortValue: number }).sortValue,
      },
    };
    if (orderBy?.field === SkuOrderField.AVAILABLE)
      return this.skusByAvailable(query, args, sorts.AVAILABLE, direction);
    return paginate(query, args, orderBy ? sorts[orderBy.field] : null, direction);
  }

  /** Sorting by availability: the computed value rides beside each row, for its cursor. */
  private skusByAvailable(
    query: SelectQueryBuilder<Sku>,
    args: ConnectionArgs,
    sort: SortKey<Sku>,
    direction: SortDirection,
  ) {
    query.addSelect(sort.expression, 'sort_value');
    return paginate(query, args, sort, direction, async (page) => {
      const { entities, raw } = await page.getRawAndEntities();
      const valueById = new Map(raw.map((r: ObjectLiteral) => [Number(r.sku_id), Number(r.sort_value)]));
      return entities.map((e) => Object.assign(e, { sortValue: valueById.get(e.id) ?? 0 }));
    });
  }

  locations(zone?: StorageZone | null): Promise<Location[]> {
    return this.dataSource
      .getRepository(Location)
      .find({ where: zone ? { zone } : {}, order: { code: 'ASC' } });
  }

  merchantByCode(code: string): Promise<Merchant | null> {
    return this.dataSource.getRepository(Merchant).findOneBy({ code });
  }

  merchants(args: ConnectionArgs): Promise<Connection<Merchant>> {
    return paginate(this.dataSource.getRepository(Merchant).createQueryBuilder('merchant'), args);
  }

  carriers(): Promise<Carrier[]> {
    return this.dataSource.getRepository(Carrier).find({ order: { code: 'ASC' } });
  }

  villageStations(): Promise<VillageStation[]> {
    return this.dataSource.getRepository(VillageStation).find({ order: { code: 'ASC' } });
  }

  // ---- writes (ADMIN) ----------------------------------------------------

  createFarm(input: CreateFarmInput): Promise<Farm> {
    return this.write('farm', input.code, async (m) => {
      const skuIds = await this.skuIdsFor(m, input.skuCodes ?? []);
      const farm = await m.save(
        m.create(Farm, {
          code: input.code,
          name: input.name,
          village: input.village,
          township: input.township,
          county: input.county,
          contactName: input.contactName ?? null,
          phone: input.phone ?? null,
          certifications: input.certifications ?? [],
          active: true,
          createdAt: currentTime(),
        }),
      );
      if (skuIds.length)
        await m.insert(
          SkuSupplier,
          skuIds.map((skuId) => ({ skuId, farmId: farm.id })),
        );
      return farm;
    });
  }

  updateFarm(code: string, input: UpdateFarmInput): Promise<Farm> {
    return inTransaction(this.dataSource, async (m) => {
      const farm = await m.findOneBy(Farm, { code });
      if (!farm) throw notFound('Farm', code, 'code');
      const { skuCodes, ...fields } = input;
      if (skuCodes) {
        const skuIds = await this.skuIdsFor(m, skuCodes);
        await m.delete(SkuSupplier, { farmId: farm.id });
        if (skuIds.length)
          await m.insert(
            SkuSupplier,
            skuIds.map((skuId) => ({ skuId, farmId: farm.id })),
          );
      }
      Object.assign(farm, definedOnly(fields));
      return m.save(farm);
    });
  }

  createSku(input: CreateSkuInput): Promise<Sku> {
    return this.write('SKU', input.code, async (m) => {
      const sku = await m.save(
        m.create(Sku, {
          code: input.code,
          name: input.name,
          localName: input.localName ?? null,
          category: input.category,
          unit: input.unit,
          unitWeightGrams: input.unitWeightGrams,
          storageZone: input.storageZone,
          shelfLifeDays: input.shelfLifeDays,
          priceFen: priceFen(input.price),
          heritage: input.heritage ?? false,
          geographicalIndication: input.geographicalIndication ?? null,
          lowStockThreshold: input.lowStockThreshold ?? 10,
          active: true,
          createdAt: currentTime(),
        }),
      );
      await m.insert(StockLevel, {
        skuId: sku.id,
        onHand: 0,
        reserved: 0,
        heldOrExpired: 0,
        updatedAt: currentTime(),
      });
      return sku;
    });
  }

  updateSku(code: string, input: UpdateSkuInput): Promise<Sku> {
    return inTransaction(this.dataSource, async (m) => {
      const sku = await m.findOneBy(Sku, { code });
      if (!sku) throw notFound('SKU', code, 'code');
      const { price, ...fields } = input;
      Object.assign(sku, definedOnly(fields));
      if (price != null) sku.priceFen = priceFen(price);
      return m.save(sku);
    });
  }

  createMerchant(input: CreateMerchantInput): Promise<Merchant> {
    return this.write('merchant', input.code, (m) =>
      m.save(
        m.create(Merchant, {
          ...input,
          storefrontUrl: input.storefrontUrl ?? null,
          active: true,
          createdAt: currentTime(),
        }),
      ),
    );
  }

  createLocation(input: CreateLocationInput): Promise<Location> {
    return this.write('location', input.code, (m) => m.save(m.create(Location, { ...input })));
  }

  createCarrier(input: CreateCarrierInput): Promise<Carrier> {
    return this.write('carrier', input.code, (m) => m.save(m.create(Carrier, { ...input, active: true })));
  }

  createVillageStation(input: CreateVillageStationInput): Promise<VillageStation> {
    return this.write('village station', input.code, (m) => m.save(m.create(VillageStation, { ...input })));
  }

  /** A create in one transaction; a duplicate code is CONFLICT. */
  private async write<T>(what: string, code: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.dataSource, work);
    } catch (error) {
      if (isDuplicateKey(error)) throw conflict(`A ${what} with code ${code} exists already`, 'code');
      throw error;
    }
  }

  private async skuIdsFor(m: EntityManager, codes: string[]): Promise<number[]> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return [];
    const skus = await m.findBy(Sku, { code: In(unique) });
    const missing = unique.filter((code) => !skus.some((s) => s.code === code));
    if (missing.length) throw notFound('SKU', missing[0], 'skuCodes');
    return skus.map((s) => s.id);
  }
}

function priceFen(price: string): bigint {
  const fen = parseYuanToFen(price);
  if (fen === null) throw badInput('price', `price must be yuan with at most two decimals, got ${price}`);
  return fen;
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
