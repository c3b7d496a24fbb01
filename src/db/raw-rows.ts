import { DataSource, EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { DriverUtils } from 'typeorm/driver/DriverUtils';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

interface Plan {
  select: string;
  /** Each column's database name and how its raw value is set on the entity. */
  columns: { databaseName: string; set: (entity: ObjectLiteral, raw: unknown) => void }[];
  /** The columns' keys in a raw row of a query builder, by the query's alias, built once per alias. */
  aliasedKeys: Map<string, string[]>;
  create: () => ObjectLiteral;
}

/** Column types whose raw value the driver returns as it is kept (numbers, strings): nothing to convert. */
const PLAIN_TYPES: ReadonlySet<unknown> = new Set([String, 'int', 'bigint', 'varchar', 'char', 'text']);

/**
 * How a column's raw value is set on an entity: directly for a plain column (no transformer, no embedded
 * or relation path, a type the driver returns as kept), otherwise through TypeORM's own conversion, as
 * its query builder would hydrate it.
 */
function setterOf(dataSource: DataSource, column: ColumnMetadata): Plan['columns'][number]['set'] {
  const driver = dataSource.driver;
  const convert = (entity: ObjectLiteral, raw: unknown) =>
    column.setEntityValue(entity, driver.prepareHydratedValue(raw, column));
  if (column.transformer || column.embeddedMetadata || column.isVirtual) return convert;
  const property = column.propertyName;
  if (PLAIN_TYPES.has(column.type))
    return (entity, raw) => {
      entity[property] = raw;
    };
  // `number` properties (ids): the driver's conversion parses a string, an integer is already what it gives.
  if (column.type === Number)
    return (entity, raw) => {
      if (Number.isInteger(raw)) entity[property] = raw;
      else convert(entity, raw);
    };
  return convert;
}

const plans = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, Plan>>();

function planOf(dataSource: DataSource, entity: EntityTarget<ObjectLiteral>): Plan {
  let byEntity = plans.get(dataSource);
  if (!byEntity) plans.set(dataSource, (byEntity = new Map()));
  let plan = byEntity.get(entity);
  if (!plan) {
    const metadata = dataSource.getMetadata(entity);
    const columns = metadata.columns.filter((c) => !c.isVirtual && !c.embeddedMetadata);
    const q = (name: string) => dataSource.driver.escape(name);
    plan = {
      select: `SELECT ${columns.map((c) => q(c.databaseName)).join(', ')} FROM ${q(metadata.tableName)}`,
      columns: columns.map((c) => ({ databaseName: c.databaseName, set: setterOf(dataSource, c) })),
      aliasedKeys: new Map(),
      create: () => metadata.create(undefined, { fromDeserializer: true }) as ObjectLiteral,
    };
    byEntity.set(entity, plan);
  }
  return plan;
}

/**
 * Entities whose `column` (a database column name) is one of `keys`, ordered by `orderBy` (database column
 * names): one plain statement built once per entity, its rows turned into entities with the columns'
 * own transformers, without TypeORM's query builder. For the hottest loaders.
 */
export async function rowsWhereIn<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  column: string,
  keys: readonly (number | string)[],
  orderBy: string[] = [],
): Promise<T[]> {
  if (!keys.length) return [];
  const plan = planOf(dataSource, entity as EntityTarget<ObjectLiteral>);
  const q = (name: string) => dataSource.driver.escape(name);
  const order = orderBy.length ? ` ORDER BY ${orderBy.map(q).join(', ')}` : '';
  const rows: Record<string, unknown>[] = await dataSource.query(
    `${plan.select} WHERE ${q(column)} IN (${keys.map(() => '?').join(', ')})${order}`,
    [...keys],
  );
  return rows.map((raw) => hydrate(plan, raw) as T);
}

/** An entity from a raw row whose keys are its columns' database names, or `keys`, column by column. */
function hydrate(plan: Plan, raw: Record<string, unknown>, keys?: string[]): ObjectLiteral {
  const entity = plan.create();
  plan.columns.forEach((c, i) => c.set(entity, raw[keys ? keys[i] : c.databaseName]));
  return entity;
}

/**
 * The entities a query builder selects, as getMany() would give them but hydrated as rowsWhereIn does
 * (TypeORM's transformer took a sixth of the nested orders page's CPU). A query that joins other tables
 * (or maps relation ids or counts) goes to getMany(), which also folds the rows a join repeats.
 */
export async function entitiesOf<T extends ObjectLiteral>(query: SelectQueryBuilder<T>): Promise<T[]> {
  const {
    mainAlias: main,
    joinAttributes,
    relationIdAttributes,
    relationCountAttributes,
  } = query.expressionMap;
  const plain = !joinAttributes.length && !relationIdAttributes.length && !relationCountAttributes.length;
  if (!plain || !main?.hasMetadata) return query.getMany();
  const dataSource = query.connection;
  const plan = planOf(dataSource, main.target);
  let keys = plan.aliasedKeys.get(main.name);
  if (!keys) {
    keys = plan.columns.map((c) =>
      DriverUtils.buildAlias(dataSource.driver, undefined, main.name, c.databaseName),
    );
    plan.aliasedKeys.set(main.name, keys);
  }
  const rows: Record<string, unknown>[] = await query.getRawMany();
  return rows.map((raw) => hydrate(plan, raw, keys) as T);
}

/**
 * Inserts `rows` of an entity in one plain INSERT, each value converted by the driver as TypeORM's query
 * builder converts it (transformers, dates, booleans). The query builder's bookkeeping of named parameters
 * grows with the square of a merged batch's values. Every row gives the same columns; those no row gives
 * (a generated id) are left to the database.
 */
export async function insertRows(
  m: EntityManager,
  entity: EntityTarget<ObjectLiteral>,
  rows: ObjectLiteral[],
): Promise<void> {
  if (!rows.length) return;
  const metadata = m.connection.getMetadata(entity);
  const driver = m.connection.driver;
  const columns = metadata.columns.filter(
    (c) => c.isInsert && !c.isVirtual && c.getEntityValue(rows[0]) !== undefined,
  );
  const values: unknown[] = [];
  for (const row of rows) {
    for (const column of columns) {
      const value = column.getEntityValue(row);
      if (value === undefined)
        throw new Error(`insertRows: a row of ${metadata.name} leaves out ${column.propertyName}`);
      values.push(driver.preparePersistentValue(value, column));
    }
  }
  const q = (name: string) => driver.escape(name);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await m.query(
    `INSERT INTO ${q(metadata.tableName)} (${columns.map((c) => q(c.databaseName)).join(', ')}) VALUES ${rows
      .map(() => tuple)
      .join(', ')}`,
    values,
  );
}
