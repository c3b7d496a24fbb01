import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

interface Plan {
  select: string;
  columns: ColumnMetadata[];
  create: () => ObjectLiteral;
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
      columns,
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
  const driver = dataSource.driver;
  return rows.map((raw) => {
    const entity = plan.create();
    for (const c of plan.columns)
      c.setEntityValue(entity, driver.prepareHydratedValue(raw[c.databaseName], c));
    return entity as T;
  });
}
