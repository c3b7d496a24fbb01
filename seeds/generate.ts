import 'reflect-metadata';
import { createConnection } from 'mysql2/promise';
import { DataSource, QueryRunner } from 'typeorm';
import { openDataSource, databaseKind } from '../src/db/data-source';
import { Random, randomSource } from './random';
import { addOrderToRollups, emptyRollups, writeRollups } from '../src/dashboard/rollup.service';
import { compactDate, lotCode } from '../src/stock/stock-sql';
import { addDays, shanghaiDate, shanghaiDayStart } from '../src/time';
import { checkLedger } from './ledger-check';

/**
 * `npm run generate -- --scale day|month|year [--fresh]`: fills an empty database (DATABASE_URL) with
 * the distribution centre's history at today's volume: reference data with real Jincheng place names,
 * lots received as stock runs low, orders in every status, the stock ledger, stock levels and the
 * dashboard rollups, all consistent (onHand = sum of movement deltas = sum of lot quantities;
 * reserved = units of PLACED and ALLOCATED orders). Rows go in as multi-row INSERTs, in batches.
 * --fresh (MySQL only) drops and recreates the database first.
 */

interface Preset {
  days: number;
  ordersPerDay: number;
  lots: number;
}
const PRESETS: Record<string, Preset> = {
  day: { days: 1, ordersPerDay: 3300, lots: 2_000 },
  week: { days: 7, ordersPerDay: 3300, lots: 2_500 },
  month: { days: 30, ordersPerDay: 3300, lots: 4_200 },
  year: { days: 365, ordersPerDay: 3300, lots: 50_000 },
};
const FARMS = 300;
const SKUS = 2_000;
const MERCHANTS = 500;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ACTOR_WAREHOUSE = 'warehouse-tablet-01';

// ---------------------------------------------------------------- randomness (seeded, reproducible)

let rng: Random = randomSource(0);
const random = (): number => rng.next();
const int = (min: number, max: number): number => rng.int(min, max);
const pick = <T>(items: readonly T[]): T => rng.pick(items);
const weighted = <T>(entries: [T, number][]): (() => T) => rng.weighted(entries);
const zipf = (n: number, s: number): (() => number) => rng.zipf(n, s);

// ---------------------------------------------------------------- places and products of Jincheng

const COUNTIES: Record<string, Record<string, string[]>> = {
  Zezhou: {
    Gaodu: [
      'Baofu',
      'Beijie',
      'Gaodu',
      'Dongjie',
      'Xijie',
      'Nanjie',
      'Shangzhuang',
      'Liucun',
      'Sanjiadian',
      'Wangjiazhuang',
    ],
    Bagong: ['Bagong', 'Xihaogou', 'Dongsishi'],
    Zhoucun: ['Zhoucun', 'Dongzhuang'],
    Dadonggou: ['Dadonggou', 'Xiaodonggou'],
  },
  Gaoping: { Mishan: ['Mishan', 'Xianweng'], Chenqu: ['Chenqu', 'Wangbao'], Macun: ['Macun', 'Kangying'] },
  Yangcheng: {
    Runcheng: ['Runcheng', 'Shangzhuang'],
    Beiliu: ['Beiliu', 'Huangcheng'],
    Dingdian: ['Dingdian', 'Huaixian'],
  },
  Lingchuan: {
    Pingcheng: ['Pingcheng', 'Dongmen'],
    Fucheng: ['Fucheng', 'Xiwang'],
    Liuquan: ['Liuquan', 'Gubi'],
  },
  Qinshui: {
    Zhengzhuang: ['Zhengzhuang', 'Xinzhuang'],
    Jiafeng: ['Jiafeng', 'Douzhuang'],
    Longgang: ['Longgang', 'Xiangyang'],
    Duanshi: ['Duanshi', 'Xishan'],
  },
};
const PLACES = Object.entries(COUNTIES).flatMap(([county, townships]) =>
  Object.entries(townships).flatMap(([township, villages]) =>
    villages.map((village) => ({ county, township, village })),
  ),
);

interface Product {
  code: string;
  name: string;
  local: string;
  category: string;
  zone: string;
  shelf: number;
  fenPerKg: number;
  heritage?: boolean;
  gi?: string;
}
const PRODUCTS: Product[] = [
  {
    code: 'MILLET',
    name: 'Qinzhou yellow millet',
    local: '沁州黄小米',
    category: 'GRAIN',
    zone: 'AMBIENT',
    shelf: 365,
    fenPerKg: 1600,
    gi: 'Qinzhouhuang millet',
  },
  {
    code: 'BUCKWHEAT',
    name: 'Buckwheat flour',
    local: '荞麦面',
    category: 'GRAIN',
    zone: 'AMBIENT',
    shelf: 270,
    fenPerKg: 1200,
  },
  {
    code: 'OATS',
    name: 'Naked oats',
    local: '莜麦',
    category: 'GRAIN',
    zone: 'AMBIENT',
    shelf: 270,
    fenPerKg: 1400,
  },
  {
    code: 'HAWTHORN',
    name: 'Zezhou hawthorn',
    local: '泽州红山楂',
    category: 'FRUIT',
    zone: 'AMBIENT',
    shelf: 120,
    fenPerKg: 2400,
    gi: 'Zezhou hawthorn',
  },
  {
    code: 'PEAR',
    name: 'Yangcheng crisp pear',
    local: '阳城酥梨',
    category: 'FRUIT',
    zone: 'CHILLED',
    shelf: 45,
    fenPerKg: 900,
  },
  {
    code: 'APPLE',
    name: 'Gaoping apple',
    local: '高平苹果',
    category: 'FRUIT',
    zone: 'CHILLED',
    shelf: 90,
    fenPerKg: 1000,
  },
  {
    code: 'CHESTNUT',
    name: 'Lingchuan chestnut',
    local: '陵川板栗',
    category: 'NUT',
    zone: 'AMBIENT',
    shelf: 180,
    fenPerKg: 3000,
  },
  {
    code: 'WALNUT',
    name: 'Thin-shell walnut',
    local: '薄皮核桃',
    category: 'NUT',
    zone: 'AMBIENT',
    shelf: 300,
    fenPerKg: 3600,
  },
  {
    code: 'CODONOPSIS',
    name: 'Lingchuan codonopsis',
    local: '陵川党参',
    category: 'HERB',
    zone: 'AMBIENT',
    shelf: 720,
    fenPerKg: 16000,
    gi: 'Luodang codonopsis',
  },
  {
    code: 'FORSYTHIA',
    name: 'Forsythia tea',
    local: '连翘茶',
    category: 'HERB',
    zone: 'AMBIENT',
    shelf: 540,
    fenPerKg: 12000,
  },
  {
    code: 'FUNGUS',
    name: 'Black fungus',
    local: '黑木耳',
    category: 'MUSHROOM',
    zone: 'AMBIENT',
    shelf: 365,
    fenPerKg: 9000,
  },
  {
    code: 'SHIITAKE',
    name: 'Fresh shiitake',
    local: '鲜香菇',
    category: 'MUSHROOM',
    zone: 'CHILLED',
    shelf: 21,
    fenPerKg: 2200,
  },
  {
    code: 'YAM',
    name: 'Iron-rod yam',
    local: '铁棍山药',
    category: 'VEGETABLE',
    zone: 'AMBIENT',
    shelf: 60,
    fenPerKg: 1500,
  },
  {
    code: 'POTATO',
    name: 'Highland potato',
    local: '高原土豆',
    category: 'VEGETABLE',
    zone: 'AMBIENT',
    shelf: 90,
    fenPerKg: 400,
  },
  {
    code: 'EGG',
    name: 'Free-range eggs',
    local: '土鸡蛋',
    category: 'MEAT_EGG',
    zone: 'CHILLED',
    shelf: 35,
    fenPerKg: 2600,
  },
  {
    code: 'PORK',
    name: 'Black pork',
    local: '黑猪肉',
    category: 'MEAT_EGG',
    zone: 'FROZEN',
    shelf: 180,
    fenPerKg: 5600,
  },
  {
    code: 'VINEGAR',
    name: 'Aged vinegar',
    local: '老陈醋',
    category: 'PROCESSED',
    zone: 'AMBIENT',
    shelf: 720,
    fenPerKg: 1800,
  },
  {
    code: 'HONEY',
    name: 'Taihang honey',
    local: '太行蜂蜜',
    category: 'PROCESSED',
    zone: 'AMBIENT',
    shelf: 720,
    fenPerKg: 8000,
  },
  {
    code: 'BEEF',
    name: 'Gaoping beef jerky',
    local: '高平牛肉干',
    category: 'PROCESSED',
    zone: 'AMBIENT',
    shelf: 270,
    fenPerKg: 16000,
  },
  {
    code: 'PAPERCUT',
    name: 'Gaoping paper-cut',
    local: '高平剪纸',
    category: 'HANDICRAFT',
    zone: 'AMBIENT',
    shelf: 3650,
    fenPerKg: 30000,
    heritage: true,
  },
  {
    code: 'IRONPOT',
    name: 'Yangcheng cast-iron pot',
    local: '阳城生铁锅',
    category: 'HANDICRAFT',
    zone: 'AMBIENT',
    shelf: 3650,
    fenPerKg: 4000,
    heritage: true,
  },
  {
    code: 'SILK',
    name: 'Gaoping silk scarf',
    local: '高平丝绸',
    category: 'HANDICRAFT',
    zone: 'AMBIENT',
    shelf: 3650,
    fenPerKg: 60000,
    heritage: true,
  },
];
const SIZES: [string, number][] = [
  ['250G', 250],
  ['500G', 500],
  ['1KG', 1000],
  ['2500G', 2500],
  ['5KG', 5000],
  ['GIFT', 1500],
];
const CARRIERS: [string, string, number][] = [
  ['SF', 'SF Express', 20],
  ['YTO', 'YTO Express', 18],
  ['ZTO', 'ZTO Express', 18],
  ['YUNDA', 'Yunda Express', 12],
  ['STO', 'STO Express', 10],
  ['JD', 'JD Logistics', 8],
  ['EMS', 'China Post EMS', 8],
  ['JT', 'J&T Express', 6],
];
const PLATFORMS: [string, number][] = [
  ['DOUYIN', 35],
  ['TAOBAO', 25],
  ['KUAISHOU', 15],
  ['PINDUODUO', 12],
  ['WECHAT', 10],
  ['OTHER', 3],
];
const SURNAMES = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Zhao', 'Guo', 'Ma', 'Sun', 'Niu', 'Jin'];
const GIVEN = ['Fang', 'Wei', 'Min', 'Jun', 'Lei', 'Hua', 'Xia', 'Qiang', 'Yan', 'Ping', 'Tao', 'Jing'];
const CITIES: [string, string][] = [
  ['Beijing', 'Beijing'],
  ['Shanghai', 'Shanghai'],
  ['Taiyuan', 'Shanxi'],
  ['Zhengzhou', 'Henan'],
  ['Guangzhou', 'Guangdong'],
  ['Hangzhou', 'Zhejiang'],
  ['Jincheng', 'Shanxi'],
  ["Xi'an", 'Shaanxi'],
];

// ---------------------------------------------------------------- SQL literals and batched multi-row INSERTs

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) return `'${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Collects rows of one table and sends them as multi-row INSERTs on a connection of its own (tables
 * fill in parallel on MySQL), keeping one statement in flight while the next is built.
 */
class BulkInsert {
  private rows: string[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();
  private runner: QueryRunner | undefined;
  count = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly table: string,
    private readonly columns: string[],
    private readonly perStatement = 2000,
  ) {}

  private async connection(): Promise<QueryRunner> {
    if (this.runner) return this.runner;
    this.runner = this.dataSource.createQueryRunner();
    await this.runner.connect();
    if (this.dataSource.options.type === 'mysql')
      await this.runner.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
    return this.runner;
  }

  async add(...values: unknown[]): Promise<void> {
    this.rows.push(`(${values.map(literal).join(',')})`);
    this.count++;
    if (this.rows.length >= this.perStatement) await this.flush();
  }

  async flush(): Promise<void> {
    await this.inFlight;
    if (this.rows.length === 0) return;
    const sql = `INSERT INTO ${this.table} (${this.columns.join(',')}) VALUES ${this.rows.join(',')}`;
    this.rows = [];
    const runner = await this.connection();
    this.inFlight = runner.query(sql);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.inFlight;
    await this.runner?.release();
  }
}

function showProgress(label: string, done: number, total: number, started: number): void {
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `\r  ${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} (${Math.round(done / Math.max(seconds, 0.001)).toLocaleString('en')}/s)   `,
  );
  if (done >= total) process.stdout.write('\n');
}

// ---------------------------------------------------------------- the generator

interface Options {
  scale: string;
  fresh: boolean;
  url: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { scale: 'month', fresh: false, url: process.env.DATABASE_URL ?? '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--scale') options.scale = argv[++i];
    else if (arg.startsWith('--scale=')) options.scale = arg.slice(8);
    else if (arg === '--fresh') options.fresh = true;
    else if (arg === '--url') options.url = argv[++i];
    else
      throw new Error(`unknown option ${arg}; use --scale day|week|month|year [--fresh] [--url mysql://...]`);
  }
  if (!PRESETS[options.scale])
    throw new Error(`--scale must be one of ${Object.keys(PRESETS).join(', ')}, got ${options.scale}`);
  if (!options.url)
    throw new Error('set DATABASE_URL (or --url), e.g. mysql://root@127.0.0.1:3306/gaodu_year');
  return options;
}

async function recreateDatabase(url: string): Promise<void> {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new Error(`database name must be letters, digits and _, got ${name}`);
  const conn = await createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  });
  await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
}

/**
 * Why bulk SQL and not the services: a year is about 1.8 million orders, which the services (one
 * transaction, about fifteen statements and the row locks of an order) would take most of a day to place.
 * So the generator works out the whole history in memory and writes each table as multi-row INSERTs. It
 * keeps to the services' rules in that form: lot codes come from the one home (`lotCode`); the rollups are
 * accumulated and written by the rollup service's own functions; statuses and their instants follow the
 * order transitions (PLACED → ALLOCATED → PICKED → DISPATCHED → DELIVERED, or CANCELLED); stock levels are
 * on-hand = the lots' units = the ledger's deltas and reserved = the units of PLACED and ALLOCATED orders,
 * which the ledger check (seeds/ledger-check.ts) verifies after every run.
 */
export async function generate(
  dataSource: DataSource,
  preset: Preset,
  options: { now?: Date; quiet?: boolean } = {},
): Promise<Record<string, number>> {
  const now = options.now ?? new Date();
  const log = options.quiet ? (_line: string) => undefined : (line: string) => console.log(line);
  const progress: Progress = options.quiet ? () => undefined : showProgress;
  const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM orders');
  if (Number(n) > 0)
    throw new Error(
      'the database already holds orders; generate into an empty one (or pass --fresh on MySQL)',
    );
  rng = randomSource(20261129);
  const started = Date.now();
  // The history covers whole Asia/Shanghai days and ends when today began: the same at any hour of today.
  const today = shanghaiDate(now);
  const span: HistorySpan = {
    today,
    todayDay: dayNumber(now.getTime()),
    end: shanghaiDayStart(today).getTime(),
  };
  const insert: Inserter = (table, columns) => new BulkInsert(dataSource, table, columns);

  log('reference data: 8 carriers, 30 stations, 300 farms, 2,000 SKUs, bins, 500 merchants');
  const reference = await writeReferenceData(insert, span);
  const book = simulateOrders(preset, span);
  log(
    `orders: ${book.orders.toLocaleString('en')} over ${preset.days} days, ${book.lines.toLocaleString('en')} lines`,
  );
  const stock = simulateStock(preset, reference, book, span);
  log(
    `lots: ${stock.lots.count.toLocaleString('en')} received, ${stock.allocLot.length.toLocaleString('en')} allocations`,
  );
  await writeLots(insert, stock.lots, progress);
  const rollups = await writeOrders(insert, reference, book, stock, span, progress);
  const movements = await writeLedger(insert, book, stock, progress);
  await writeStockLevels(insert, stock, span);
  await dataSource.transaction((manager) => writeRollups(manager, rollups, 1000));
  const rollupRows = [...rollups.values()].reduce((sum, rows) => sum + rows.size, 0);
  log(`rollups: ${rollupRows.toLocaleString('en')} rows`);
  return {
    orders: book.orders,
    lines: book.lines,
    lots: stock.lots.count,
    allocations: stock.allocLot.length,
    movements,
    rollupRows,
    seconds: (Date.now() - started) / 1000,
  };
}

type Inserter = (table: string, columns: string[]) => BulkInsert;
type Progress = (label: string, done: number, total: number, started: number) => void;

/** The days the history covers: up to the start of today (Asia/Shanghai). */
interface HistorySpan {
  today: string;
  todayDay: number;
  end: number;
}

/** What the later steps need to know of the reference data, by id. */
interface ReferenceData {
  carrierOf: () => number;
  stations: number;
  skuShelf: Int32Array;
  skuPrice: Float64Array;
  skuWeight: Int32Array;
  skuZone: string[];
  skuFarms: number[][];
  bins: Record<string, number[]>;
}

/** Orders and lines, in memory as columns (typed arrays), chronological by id. */
interface OrderBook {
  orders: number;
  lines: number;
  placedAt: Float64Array;
  merchantOf: Int16Array;
  statusOf: Int8Array; // see STATUSES
  firstLine: Int32Array;
  lineSku: Int16Array;
  lineQty: Int16Array;
}

/** Lots and the units orders took from them (allocations, by order), and what open orders reserve. */
interface StockBook {
  lots: LotBook;
  allocOrder: number[];
  allocLine: number[];
  allocLot: number[];
  allocQty: number[];
  allocStart: Int32Array;
  allocEnd: Int32Array;
  open: Float64Array;
}

async function writeReferenceData(insert: Inserter, span: HistorySpan): Promise<ReferenceData> {
  const created = new Date(span.end - 400 * DAY);
  const carriers = insert('carrier', ['id', 'code', 'name', 'active']);
  CARRIERS.forEach(([code, name], i) => carriers.add(i + 1, code, name, true));
  await carriers.close();
  const carrierOf = weighted(CARRIERS.map(([, , w], i) => [i + 1, w] as [number, number]));

  const stations = insert('village_station', ['id', 'code', 'name', 'village', 'township']);
  const stationPlaces = PLACES.slice(0, 30);
  stationPlaces.forEach((p, i) =>
    stations.add(
      i + 1,
      `ST-${p.township.toUpperCase()}-${p.village.toUpperCase()}-${i + 1}`,
      `${p.village} station`,
      p.village,
      p.township,
    ),
  );
  await stations.close();

  await writeFarms(insert, created);
  const skus = await writeSkus(insert, created);
  const bins = await writeBins(insert);
  await writeMerchants(insert, created);
  return { carrierOf, stations: stationPlaces.length, ...skus, bins };
}

async function writeFarms(insert: Inserter, created: Date): Promise<void> {
  const farms = insert('farm', [
    'id',
    'code',
    'name',
    'village',
    'township',
    'county',
    'contact_name',
    'phone',
    'certifications',
    'active',
    'created_at',
  ]);
  const countyCounters = new Map<string, number>();
  for (let id = 1; id <= FARMS; id++) {
    const place = pick(PLACES);
    const k = (countyCounters.get(place.county) ?? 0) + 1;
    countyCounters.set(place.county, k);
    const kind = pick(['cooperative', 'family farm', 'orchard', 'workshop', 'herb garden']);
    await farms.add(
      id,
      `FARM-${place.county.toUpperCase()}-${String(k).padStart(3, '0')}`,
      `${place.village} ${kind} ${k}`,
      place.village,
      place.township,
      place.county,
      `${pick(SURNAMES)} ${pick(GIVEN)}`,
      `139${String(int(0, 99_999_999)).padStart(8, '0')}`,
      JSON.stringify(random() < 0.3 ? ['GREEN_FOOD'] : []),
      true,
      created,
    );
  }
  await farms.close();
}

/** SKUs and their supplier farms. */
async function writeSkus(
  insert: Inserter,
  created: Date,
): Promise<Pick<ReferenceData, 'skuShelf' | 'skuPrice' | 'skuWeight' | 'skuZone' | 'skuFarms'>> {
  const skus = insert('sku', [
    'id',
    'code',
    'name',
    'local_name',
    'category',
    'unit',
    'unit_weight_grams',
    'storage_zone',
    'shelf_life_days',
    'price_fen',
    'heritage',
    'geographical_indication',
    'low_stock_threshold',
    'active',
    'created_at',
  ]);
  const skuShelf = new Int32Array(SKUS + 1);
  const skuPrice = new Float64Array(SKUS + 1);
  const skuWeight = new Int32Array(SKUS + 1);
  const skuZone: string[] = [];
  const skuFarms: number[][] = [];
  for (let id = 1; id <= SKUS; id++) {
    const product = PRODUCTS[(id - 1) % PRODUCTS.length];
    const [size, grams] = SIZES[Math.floor((id - 1) / PRODUCTS.length) % SIZES.length];
    const variant = Math.floor((id - 1) / (PRODUCTS.length * SIZES.length)) + 1;
    skuShelf[id] = product.shelf;
    skuPrice[id] = Math.max(
      50,
      Math.round((((product.fenPerKg * grams) / 1000) * (0.8 + random() * 0.5)) / 10) * 10 -
        (random() < 0.5 ? 10 : 0),
    );
    skuWeight[id] = grams;
    skuZone[id] = product.zone;
    await skus.add(
      id,
      `JC-${product.code}-${size}-${String(variant).padStart(3, '0')}`,
      `${product.name} ${size.toLowerCase()} no.${variant}`,
      product.local,
      product.category,
      size === 'GIFT' ? 'gift box' : `${size.toLowerCase()} pack`,
      grams,
      product.zone,
      product.shelf,
      skuPrice[id],
      product.heritage ?? false,
      product.gi ?? null,
      int(5, 30),
      true,
      created,
    );
  }
  await skus.close();
  const suppliers = insert('sku_supplier', ['sku_id', 'farm_id']);
  for (let id = 1; id <= SKUS; id++) {
    const set = new Set<number>();
    const k = int(1, 3);
    while (set.size < k) set.add(int(1, FARMS));
    skuFarms[id] = [...set].sort((a, b) => a - b);
    for (const farm of skuFarms[id]) await suppliers.add(id, farm);
  }
  await suppliers.close();
  return { skuShelf, skuPrice, skuWeight, skuZone, skuFarms };
}

/** Bins of the three zones; their ids by zone. */
async function writeBins(insert: Inserter): Promise<Record<string, number[]>> {
  const bins: Record<string, number[]> = { AMBIENT: [], CHILLED: [], FROZEN: [] };
  const locations = insert('location', ['id', 'code', 'zone']);
  let locationId = 0;
  for (const [prefix, zone, aisles] of [
    ['A', 'AMBIENT', 20],
    ['C', 'CHILLED', 6],
    ['F', 'FROZEN', 3],
  ] as const) {
    for (let aisle = 1; aisle <= aisles; aisle++) {
      for (let bay = 1; bay <= 20; bay++) {
        bins[zone].push(++locationId);
        await locations.add(
          locationId,
          `${prefix}-${String(aisle).padStart(2, '0')}-${String(bay).padStart(2, '0')}`,
          zone,
        );
      }
    }
  }
  await locations.close();
  return bins;
}

async function writeMerchants(insert: Inserter, created: Date): Promise<void> {
  const merchants = insert('merchant', [
    'id',
    'code',
    'name',
    'village',
    'platform',
    'storefront_url',
    'active',
    'created_at',
  ]);
  const platformOf = weighted(PLATFORMS);
  const gaodu = PLACES.filter((p) => p.township === 'Gaodu');
  const villageCounters = new Map<string, number>();
  for (let id = 1; id <= MERCHANTS; id++) {
    const place = random() < 0.7 ? pick(gaodu) : pick(PLACES);
    const k = (villageCounters.get(place.village) ?? 0) + 1;
    villageCounters.set(place.village, k);
    const code = `M-${place.village.toUpperCase()}-${String(k).padStart(3, '0')}`;
    await merchants.add(
      id,
      code,
      `${place.village} ${pick(['millet shop', 'farm store', 'specialty store', 'live room', 'heritage crafts'])} ${k}`,
      place.village,
      platformOf(),
      `https://shop.example.cn/${code.toLowerCase()}`,
      true,
      created,
    );
  }
  await merchants.close();
}

/**
 * The orders of every day of the history, spread over the day, with the status their age gives them: the
 * newest still PLACED, the oldest DELIVERED, one in forty CANCELLED.
 */
function simulateOrders(preset: Preset, span: HistorySpan): OrderBook {
  const expected = preset.days * preset.ordersPerDay;
  const capacity = Math.ceil(expected * 1.3) + 100;
  const book: OrderBook = {
    orders: 0,
    lines: 0,
    placedAt: new Float64Array(capacity),
    merchantOf: new Int16Array(capacity),
    statusOf: new Int8Array(capacity),
    firstLine: new Int32Array(capacity + 1),
    lineSku: new Int16Array(capacity * 5),
    lineQty: new Int16Array(capacity * 5),
  };
  const skuRank = zipf(SKUS, 0.9);
  const skuByRank = Array.from({ length: SKUS }, (_, i) => i + 1).sort(() => random() - 0.5);
  const merchantRank = zipf(MERCHANTS, 0.8);
  const lineCount = weighted([
    [1, 25],
    [2, 30],
    [3, 25],
    [4, 12],
    [5, 8],
  ]);
  const quantity = weighted([
    [1, 60],
    [2, 25],
    [3, 10],
    [5, 5],
  ]);
  const firstDay = addDays(span.today, -preset.days);
  for (let d = 0; d < preset.days; d++) {
    const date = addDays(firstDay, d);
    const dayStart = shanghaiDayStart(date).getTime();
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const count = Math.round(
      preset.ordersPerDay * (weekday === 0 || weekday === 6 ? 1.15 : 0.94) * (0.9 + random() * 0.2),
    );
    // One order in each of `count` equal slots of the day: every stretch of an hour or more holds orders.
    const times = Array.from(
      { length: count },
      (_, k) => dayStart + Math.floor(((k + random()) / count) * DAY),
    );
    for (const t of times) {
      const o = book.orders;
      book.placedAt[o] = t;
      book.merchantOf[o] = merchantRank() + 1;
      book.firstLine[o] = book.lines;
      const k = lineCount();
      const chosen = new Set<number>();
      while (chosen.size < k) chosen.add(skuByRank[skuRank()]);
      for (const sku of [...chosen].sort((a, b) => a - b)) {
        book.lineSku[book.lines] = sku;
        book.lineQty[book.lines] = quantity();
        book.lines++;
      }
      book.statusOf[o] = o % 40 === 39 ? CANCELLED : statusAtAge(span.end - t);
      book.orders++;
    }
  }
  book.firstLine[book.orders] = book.lines;
  return book;
}

/** The status of an order placed this long before the history ends. */
function statusAtAge(age: number): number {
  if (age < 2 * HOUR) return PLACED;
  if (age < 5 * HOUR) return ALLOCATED;
  if (age < 10 * HOUR) return PICKED;
  if (age < 60 * HOUR) return DISPATCHED;
  return DELIVERED;
}

/**
 * Lots received as stock runs low, first-expiry-first-out picks of the picked orders, top-ups so every SKU
 * but a few ends with stock to sell, the allocations of ALLOCATED orders, and write-offs of expired
 * leftovers.
 */
function simulateStock(
  preset: Preset,
  reference: ReferenceData,
  book: OrderBook,
  span: HistorySpan,
): StockBook {
  const { orders, statusOf, firstLine, lineSku, lineQty, placedAt } = book;
  const demand = new Float64Array(SKUS + 1);
  for (let o = 0; o < orders; o++) {
    if (statusOf[o] === CANCELLED) continue;
    for (let l = firstLine[o]; l < firstLine[o + 1]; l++) demand[lineSku[l]] += lineQty[l];
  }
  const totalDemand = demand.reduce((a, b) => a + b, 0);
  const lotSize = new Int32Array(SKUS + 1);
  for (let s = 1; s <= SKUS; s++) {
    const byShelf = Math.ceil(preset.days / Math.max(1, reference.skuShelf[s] * 0.4));
    const byShare = Math.round((preset.lots * demand[s]) / totalDemand);
    lotSize[s] = Math.max(12, Math.ceil((demand[s] / Math.max(1, byShelf, byShare)) * 1.2));
  }
  const stock: StockBook = {
    lots: new LotBook(reference.bins, reference.skuFarms, reference.skuShelf, lotSize, reference.skuZone),
    allocOrder: [],
    allocLine: [],
    allocLot: [],
    allocQty: [],
    allocStart: new Int32Array(orders + 1).fill(-1),
    allocEnd: new Int32Array(orders + 1),
    open: new Float64Array(SKUS + 1),
  };
  const { lots, open } = stock;
  const allocate = (
    o: number,
    take: (sku: number, qty: number, use: (lot: number, qty: number) => void) => void,
  ) => {
    stock.allocStart[o] = stock.allocLot.length;
    for (let l = firstLine[o]; l < firstLine[o + 1]; l++) {
      take(lineSku[l], lineQty[l], (lot, qty) => {
        stock.allocOrder.push(o);
        stock.allocLine.push(l);
        stock.allocLot.push(lot);
        stock.allocQty.push(qty);
      });
    }
    stock.allocEnd[o] = stock.allocLot.length;
  };
  for (let o = 0; o < orders; o++) {
    if (statusOf[o] < PICKED || statusOf[o] === CANCELLED) continue;
    allocate(o, (sku, qty, use) => lots.take(sku, qty, placedAt[o] + 5 * HOUR, use));
  }
  for (let o = 0; o < orders; o++) {
    if (statusOf[o] !== PLACED && statusOf[o] !== ALLOCATED) continue;
    for (let l = firstLine[o]; l < firstLine[o + 1]; l++) open[lineSku[l]] += lineQty[l];
  }
  for (let s = 1; s <= SKUS; s++) {
    const sellable = lots.sellable(s, span.todayDay);
    const wanted = open[s] + (s % 37 === 0 ? 1 : Math.max(lotSize[s], 200));
    if (sellable < wanted)
      lots.receive(
        s,
        wanted - sellable + (s % 37 === 0 ? 0 : int(0, lotSize[s])),
        span.end - int(1, 40) * HOUR,
      );
  }
  for (let o = 0; o < orders; o++) {
    if (statusOf[o] !== ALLOCATED) continue;
    allocate(o, (sku, qty, use) => lots.allocate(sku, qty, span.todayDay, use));
  }
  // Lots that expired yesterday are written off today, after the history ends.
  lots.expire(span.todayDay - 1);
  return stock;
}

async function writeLots(insert: Inserter, lots: LotBook, progress: Progress): Promise<void> {
  const t0 = Date.now();
  const lotRows = insert('lot', [
    'id',
    'code',
    'sku_id',
    'farm_id',
    'status',
    'received_at',
    'harvested_on',
    'expires_on',
    'quantity_received',
    'quantity_on_hand',
    'hold_reason',
  ]);
  const placementRows = insert('lot_placement', ['lot_id', 'location_id', 'quantity', 'allocated']);
  for (let id = 1; id <= lots.count; id++) {
    const received = new Date(lots.receivedAt[id]);
    const day = shanghaiDate(received);
    const remaining = lots.remaining[id];
    const status = lots.expiredAt[id] > 0 ? 'EXPIRED' : remaining === 0 ? 'DEPLETED' : 'ACTIVE';
    await lotRows.add(
      id,
      lotCode(day, id),
      lots.sku[id],
      lots.farm[id],
      status,
      received,
      addDays(day, -int(0, 3)),
      dayString(lots.expiresDay[id]),
      lots.received[id],
      remaining,
      null,
    );
    await placementRows.add(id, lots.location[id], remaining, lots.allocated[id]);
    if (id % 10_000 === 0 || id === lots.count) progress('lots', id, lots.count, t0);
  }
  await lotRows.close();
  await placementRows.close();
}

/** Orders, lines, allocations and status events; returns the rollups accumulated on the way. */
async function writeOrders(
  insert: Inserter,
  reference: ReferenceData,
  book: OrderBook,
  stock: StockBook,
  span: HistorySpan,
  progress: Progress,
): Promise<ReturnType<typeof emptyRollups>> {
  const t0 = Date.now();
  const { skuPrice, skuWeight, carrierOf } = reference;
  const { placedAt, statusOf, merchantOf, firstLine, lineSku, lineQty } = book;
  const { lots, allocStart, allocEnd, allocLot, allocLine, allocQty } = stock;
  const orderRows = insert('orders', [
    'id',
    'number',
    'merchant_id',
    'status',
    'total_fen',
    'station_id',
    'recipient_name',
    'recipient_phone',
    'address',
    'city',
    'province',
    'carrier_id',
    'tracking_number',
    'parcels',
    'weight_grams',
    'placed_at',
    'dispatched_at',
    'delivered_at',
    'cancelled_at',
    'cancel_reason',
    'updated_at',
  ]);
  const lineRows = insert('order_line', [
    'id',
    'order_id',
    'sku_id',
    'quantity',
    'unit_price_fen',
    'line_total_fen',
  ]);
  const allocationRows = insert('allocation', [
    'id',
    'order_id',
    'order_line_id',
    'lot_id',
    'location_id',
    'quantity',
  ]);
  const eventRows = insert('order_event', ['order_id', 'status', 'at', 'actor', 'note']);
  const rollups = emptyRollups();
  for (let o = 0; o < book.orders; o++) {
    const id = o + 1;
    const status = statusOf[o];
    const placed = new Date(placedAt[o]);
    let total = 0;
    let weight = 0;
    const orderLines: { sku_id: number; quantity: number; line_total_fen: number }[] = [];
    for (let l = firstLine[o]; l < firstLine[o + 1]; l++) {
      const sku = lineSku[l];
      const lineTotal = skuPrice[sku] * lineQty[l];
      total += lineTotal;
      weight += skuWeight[sku] * lineQty[l];
      orderLines.push({ sku_id: sku, quantity: lineQty[l], line_total_fen: lineTotal });
      await lineRows.add(l + 1, id, sku, lineQty[l], skuPrice[sku], lineTotal);
    }
    const shipped = status === DISPATCHED || status === DELIVERED;
    const carrier = shipped || random() < 0.5 ? carrierOf() : null;
    const parcels = shipped ? (random() < 0.8 ? 1 : random() < 0.75 ? 2 : 3) : null;
    const dispatchedAt = shipped ? new Date(placedAt[o] + 10 * HOUR) : null;
    const deliveredAt = status === DELIVERED ? new Date(placedAt[o] + 60 * HOUR) : null;
    const cancelledAt =
      status === CANCELLED ? new Date(Math.min(span.end, placedAt[o] + int(10, 120) * 60_000)) : null;
    const toStation = random() < 0.6;
    const [city, province] = pick(CITIES);
    await orderRows.add(
      id,
      `GD-${compactDate(shanghaiDate(placed))}-${String(id).padStart(6, '0')}`,
      merchantOf[o],
      STATUSES[status],
      total,
      toStation ? int(1, reference.stations) : null,
      toStation ? null : `${pick(SURNAMES)} ${pick(GIVEN)}`,
      toStation ? null : `138${String(int(0, 99_999_999)).padStart(8, '0')}`,
      toStation ? null : `${int(1, 300)} ${pick(['Renmin', 'Jiefang', 'Zhongshan', 'Heping'])} Road`,
      toStation ? null : city,
      toStation ? null : province,
      carrier,
      shipped ? `${CARRIERS[carrier! - 1][0]}${String(id).padStart(12, '0')}` : null,
      parcels,
      shipped ? weight : null,
      placed,
      dispatchedAt,
      deliveredAt,
      cancelledAt,
      cancelledAt ? 'customer changed their mind' : null,
      // The last change: the same instants as the history written below.
      deliveredAt ??
        dispatchedAt ??
        cancelledAt ??
        new Date(placedAt[o] + (status >= PICKED ? 5 * HOUR : status >= ALLOCATED ? 2 * HOUR : 0)),
    );
    const farmSales = new Map<number, { units: number; sales: number }>();
    if (allocStart[o] >= 0) {
      for (let a = allocStart[o]; a < allocEnd[o]; a++) {
        const lot = allocLot[a];
        await allocationRows.add(a + 1, id, allocLine[a] + 1, lot, lots.location[lot], allocQty[a]);
        const farm = lots.farm[lot];
        const entry = farmSales.get(farm) ?? { units: 0, sales: 0 };
        entry.units += allocQty[a];
        entry.sales += allocQty[a] * skuPrice[lineSku[allocLine[a]]];
        farmSales.set(farm, entry);
      }
    }
    const merchantActor = `merchant-${merchantOf[o]}`;
    await eventRows.add(id, 'PLACED', placed, merchantActor, null);
    if (status === CANCELLED)
      await eventRows.add(id, 'CANCELLED', cancelledAt, merchantActor, 'customer changed their mind');
    else {
      if (status >= ALLOCATED)
        await eventRows.add(id, 'ALLOCATED', new Date(placedAt[o] + 2 * HOUR), ACTOR_WAREHOUSE, null);
      if (status >= PICKED)
        await eventRows.add(id, 'PICKED', new Date(placedAt[o] + 5 * HOUR), ACTOR_WAREHOUSE, null);
      if (status >= DISPATCHED) await eventRows.add(id, 'DISPATCHED', dispatchedAt, ACTOR_WAREHOUSE, null);
      if (status >= DELIVERED) await eventRows.add(id, 'DELIVERED', deliveredAt, ACTOR_WAREHOUSE, null);
    }
    addOrderToRollups(
      rollups,
      { id, merchantId: merchantOf[o], carrierId: carrier, parcels, placedAt: placed, dispatchedAt },
      orderLines,
      [...farmSales]
        .sort(([a], [b]) => a - b)
        .map(([farm_id, f]) => ({ farm_id, units: f.units, sales_fen: f.sales })),
    );
    if (id % 20_000 === 0 || id === book.orders) progress('orders', id, book.orders, t0);
  }
  for (const rows of [orderRows, lineRows, allocationRows, eventRows]) await rows.close();
  return rollups;
}

/** The ledger: receipts, picks and write-offs, in time order; returns how many movements. */
async function writeLedger(
  insert: Inserter,
  book: OrderBook,
  stock: StockBook,
  progress: Progress,
): Promise<number> {
  const t0 = Date.now();
  const { lots, allocStart, allocEnd, allocLot, allocQty, allocOrder } = stock;
  const movementRows = insert('stock_movement', [
    'type',
    'sku_id',
    'lot_id',
    'from_location_id',
    'to_location_id',
    'quantity',
    'on_hand_delta',
    'reason',
    'note',
    'order_id',
    'actor',
    'occurred_at',
  ]);
  const events: { at: number; kind: number; index: number }[] = [];
  for (let id = 1; id <= lots.count; id++) {
    events.push({ at: lots.receivedAt[id], kind: 0, index: id });
    if (lots.expiredAt[id] > 0) events.push({ at: lots.expiredAt[id], kind: 2, index: id });
  }
  for (let o = 0; o < book.orders; o++) {
    if (book.statusOf[o] < PICKED || book.statusOf[o] === CANCELLED) continue;
    for (let a = allocStart[o]; a < allocEnd[o]; a++)
      events.push({ at: book.placedAt[o] + 5 * HOUR, kind: 1, index: a });
  }
  events.sort((a, b) => a.at - b.at || a.kind - b.kind || a.index - b.index);
  let written = 0;
  for (const e of events) {
    const at = new Date(e.at);
    if (e.kind === 0) {
      await movementRows.add(
        'RECEIPT',
        lots.sku[e.index],
        e.index,
        null,
        lots.location[e.index],
        lots.received[e.index],
        lots.received[e.index],
        null,
        null,
        null,
        ACTOR_WAREHOUSE,
        at,
      );
    } else if (e.kind === 1) {
      const lot = allocLot[e.index];
      await movementRows.add(
        'PICK',
        lots.sku[lot],
        lot,
        lots.location[lot],
        null,
        allocQty[e.index],
        -allocQty[e.index],
        null,
        null,
        allocOrder[e.index] + 1,
        ACTOR_WAREHOUSE,
        at,
      );
    } else {
      const units = lots.expiredUnits[e.index];
      await movementRows.add(
        'EXPIRY',
        lots.sku[e.index],
        e.index,
        lots.location[e.index],
        null,
        units,
        -units,
        null,
        null,
        null,
        'expiry-job',
        at,
      );
    }
    if (++written % 50_000 === 0 || written === events.length)
      progress('movements', written, events.length, t0);
  }
  await movementRows.close();
  return events.length;
}

/** Stock levels: on-hand from the lots, reserved by the open orders. */
async function writeStockLevels(insert: Inserter, stock: StockBook, span: HistorySpan): Promise<void> {
  const levels = insert('stock_level', ['sku_id', 'on_hand', 'reserved', 'held_or_expired', 'updated_at']);
  const onHand = new Float64Array(SKUS + 1);
  for (let id = 1; id <= stock.lots.count; id++) onHand[stock.lots.sku[id]] += stock.lots.remaining[id];
  for (let s = 1; s <= SKUS; s++) await levels.add(s, onHand[s], stock.open[s], 0, new Date(span.end));
  await levels.close();
}

const PLACED = 1;
const ALLOCATED = 2;
const PICKED = 3;
const DISPATCHED = 4;
const DELIVERED = 5;
const CANCELLED = 9;
const STATUSES: Record<number, string> = {
  1: 'PLACED',
  2: 'ALLOCATED',
  3: 'PICKED',
  4: 'DISPATCHED',
  5: 'DELIVERED',
  9: 'CANCELLED',
};

/** Days since 1970-01-01 of the Asia/Shanghai date of an instant. */
function dayNumber(ms: number): number {
  return Math.floor((ms + 8 * HOUR) / DAY);
}

function dayString(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** Lots of every SKU in expiry order, with what is left, allocated and written off. */
class LotBook {
  count = 0;
  private capacity = 1024;
  sku = new Int32Array(this.capacity);
  farm = new Int32Array(this.capacity);
  location = new Int32Array(this.capacity);
  received = new Int32Array(this.capacity);
  remaining = new Int32Array(this.capacity);
  allocated = new Int32Array(this.capacity);
  expiredUnits = new Int32Array(this.capacity);
  receivedAt = new Float64Array(this.capacity);
  expiredAt = new Float64Array(this.capacity);
  expiresDay = new Int32Array(this.capacity);
  private readonly bySku: number[][] = [];
  private readonly head: number[] = [];

  constructor(
    private readonly bins: Record<string, number[]>,
    private readonly farms: number[][],
    private readonly shelf: Int32Array,
    private readonly size: Int32Array,
    private readonly zones: string[],
  ) {}

  /**
   * A new lot of `sku`, received at `at` (never before the SKU's previous lot, so expiry order is receipt
   * order).
   */
  receive(sku: number, quantity: number, at: number): number {
    const list = (this.bySku[sku] ??= []);
    const previous = list.length ? this.receivedAt[list[list.length - 1]] : 0;
    const receivedAt = Math.max(at, previous + 60_000);
    if (this.count + 1 >= this.capacity) this.grow();
    const id = ++this.count;
    this.sku[id] = sku;
    this.farm[id] = pick(this.farms[sku]);
    this.location[id] = pick(this.bins[this.zones[sku]]);
    this.received[id] = quantity;
    this.remaining[id] = quantity;
    this.receivedAt[id] = receivedAt;
    this.expiresDay[id] = dayNumber(receivedAt) + this.shelf[sku];
    list.push(id);
    return id;
  }

  /** Takes `quantity` units for a pick at `at`, first expiry first, receiving a new lot when none is left. */
  take(sku: number, quantity: number, at: number, use: (lot: number, qty: number) => void): void {
    const list = (this.bySku[sku] ??= []);
    const day = dayNumber(at);
    let need = quantity;
    while (need > 0) {
      let h = this.head[sku] ?? 0;
      while (h < list.length && (this.remaining[list[h]] === 0 || this.expiresDay[list[h]] < day)) h++;
      this.head[sku] = h;
      if (h === list.length) {
        this.receive(sku, Math.max(this.size[sku], need), at - int(1, 72) * HOUR);
        continue;
      }
      const lot = list[h];
      const qty = Math.min(need, this.remaining[lot]);
      this.remaining[lot] -= qty;
      need -= qty;
      use(lot, qty);
    }
  }

  /**
   * Earmarks units of unexpired lots for an allocated order (on-hand unchanged); stock is topped up
   * beforehand.
   */
  allocate(sku: number, quantity: number, today: number, use: (lot: number, qty: number) => void): void {
    let need = quantity;
    for (const lot of this.bySku[sku] ?? []) {
      if (need === 0) break;
      const free = this.remaining[lot] - this.allocated[lot];
      if (free <= 0 || this.expiresDay[lot] < today) continue;
      const qty = Math.min(need, free);
      this.allocated[lot] += qty;
      need -= qty;
      use(lot, qty);
    }
    if (need > 0) throw new Error(`SKU ${sku} is short of ${need} units for an allocated order`);
  }

  /** Units in lots that are still good today. */
  sellable(sku: number, today: number): number {
    let units = 0;
    for (const lot of this.bySku[sku] ?? []) if (this.expiresDay[lot] >= today) units += this.remaining[lot];
    return units;
  }

  /** Writes off what is left in lots that expired before today, the day after their expiry. */
  expire(today: number): void {
    for (let id = 1; id <= this.count; id++) {
      if (this.expiresDay[id] >= today || this.remaining[id] === 0) continue;
      this.expiredUnits[id] = this.remaining[id];
      this.remaining[id] = 0;
      this.expiredAt[id] = (this.expiresDay[id] + 1) * DAY - 8 * HOUR + 2 * HOUR;
    }
  }

  private grow(): void {
    this.capacity *= 2;
    for (const key of [
      'sku',
      'farm',
      'location',
      'received',
      'remaining',
      'allocated',
      'expiredUnits',
      'expiresDay',
    ] as const) {
      const next = new Int32Array(this.capacity);
      next.set(this[key]);
      this[key] = next;
    }
    for (const key of ['receivedAt', 'expiredAt'] as const) {
      const next = new Float64Array(this.capacity);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const preset = PRESETS[options.scale];
  if (options.fresh) {
    if (databaseKind(options.url) !== 'mysql')
      throw new Error('--fresh drops a MySQL database; for SQLite delete the file instead');
    await recreateDatabase(options.url);
  }
  const dataSource = await openDataSource(options.url);
  console.log(
    `generating --scale ${options.scale}: ${preset.days} days x ~${preset.ordersPerDay} orders a day into ${databaseKind(options.url)}`,
  );
  const figures = await generate(dataSource, preset);
  console.log(
    `done in ${figures.seconds.toFixed(1)} s: ${Object.entries(figures)
      .filter(([k]) => k !== 'seconds')
      .map(([k, v]) => `${v.toLocaleString('en')} ${k}`)
      .join(', ')}`,
  );
  const problems = await checkLedger(dataSource);
  console.log(
    problems.length
      ? `LEDGER CHECK FAILED:\n  ${problems.join('\n  ')}`
      : 'ledger check: onHand = movements = lots, reserved = open orders, for every SKU',
  );
  await dataSource.destroy();
  if (problems.length) process.exit(1);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
