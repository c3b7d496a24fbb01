import DataLoader from 'dataloader';
import { DataSource, EntityTarget, In, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Connection, ConnectionArgs, connectionOf, encodeCursor, pageWindow } from './connection';

/** Order by a column (ties broken by id) instead of by id alone; the cursor then carries both. */
export interface ChildSort {
  column: string;
  direction: 'ASC' | 'DESC';
}

interface ChildKey {
  parentId: number;
  page: ConnectionArgs;
  filter: object;
  sort?: ChildSort | null;
}

/**
 * Connections nested under each row of a list (a farm's lots, a merchant's orders), ordered by id:
 * one windowed query per distinct page and filter for all parents, one to load the rows, and
 * totals counted with one grouped query when asked. SQL round trips do not grow with the list.
 */
export function childConnectionLoader<T extends ObjectLiteral & { id: number }, F extends object>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  parentColumn: string,
  applyFilter: (query: SelectQueryBuilder<T>, filter: F) => void,
  /** The sort column's value of a row, as the database compares it, for cursors (sorted lists only). */
  sortValue: (row: T, column: string) => string | number = (row) => row.id,
): DataLoader<ChildKey, Connection<T>, string> {
  return new DataLoader<ChildKey, Connection<T>, string>(
    async (keys) => {
      const groups = new Map<string, ChildKey[]>();
      for (const key of keys) {
        const groupKey = JSON.stringify([key.page, key.filter, key.sort ?? null]);
        groups.set(groupKey, [...(groups.get(groupKey) ?? []), key]);
      }
      const results = new Map<ChildKey, Connection<T>>();
      for (const members of groups.values()) {
        const { page, filter } = members[0];
        const sort = members[0].sort ?? null;
        const window = pageWindow(page, sort ? 2 : 1);
        const parentIds = [...new Set(members.map((k) => k.parentId))];
        const base = () => {
          const q = dataSource
            .getRepository(entity)
            .createQueryBuilder('t')
            .where(`t.${parentColumn} IN (:...parentIds)`, { parentIds });
          applyFilter(q, filter as F);
          return q;
        };
        const ascending = sort ? (sort.direction === 'ASC') === window.forward : window.forward;
        const cmp = ascending ? '>' : '<';
        const dir = ascending ? 'ASC' : 'DESC';
        const inner = base();
        if (window.cursor && sort) {
          const [cursorValue, cursorId] = window.cursor;
          inner.andWhere(
            `(t.${sort.column} ${cmp} :cursorValue OR (t.${sort.column} = :cursorValue AND t.id ${cmp} :cursorId))`,
            { cursorValue, cursorId },
          );
        } else if (window.cursor) inner.andWhere(`t.id ${cmp} :cursorId`, { cursorId: window.cursor[0] });
        const orderBy = sort ? `t.${sort.column} ${dir}, t.id ${dir}` : `t.id ${dir}`;
        inner
          .select('t.id', 'id')
          .addSelect(`t.${parentColumn}`, 'parent')
          .addSelect(`ROW_NUMBER() OVER (PARTITION BY t.${parentColumn} ORDER BY ${orderBy})`, 'rn');
        const ranked: { id: number; parent: number }[] =
          window.limit === 0
            ? []
            : await dataSource
                .createQueryBuilder()
                .select('w.id', 'id')
                .addSelect('w.parent', 'parent')
                .from(`(${inner.getQuery()})`, 'w')
                .where('w.rn <= :limit', { limit: window.limit + 1 })
                .setParameters(inner.getParameters())
                .getRawMany();
        const rows = ranked.length
          ? await dataSource
              .getRepository(entity)
              .findBy({ id: In(ranked.map((r) => Number(r.id))) } as never)
          : [];
        const rowById = new Map(rows.map((r) => [r.id, r]));
        let totals: Promise<Map<number, number>> | undefined;
        const countAll = () =>
          (totals ??= base()
            .select(`t.${parentColumn}`, 'parent')
            .addSelect('COUNT(*)', 'n')
            .groupBy(`t.${parentColumn}`)
            .getRawMany()
            .then((counts) => new Map(counts.map((c: ObjectLiteral) => [Number(c.parent), Number(c.n)]))));
        for (const key of members) {
          const keyOf = (row: T): [string | number, number] => [
            sort ? sortValue(row, sort.column) : 0,
            row.id,
          ];
          const sign = ascending ? 1 : -1;
          const all = ranked
            .filter((r) => Number(r.parent) === key.parentId)
            .map((r) => rowById.get(Number(r.id)))
            .filter((r): r is T => !!r)
            .sort((a, b) => {
              const [va, ia] = keyOf(a);
              const [vb, ib] = keyOf(b);
              return sign * (va < vb ? -1 : va > vb ? 1 : ia - ib);
            });
          const hasMore = all.length > window.limit;
          const nodes = all.slice(0, window.limit);
          if (!window.forward) nodes.reverse();
          results.set(
            key,
            connectionOf(
              nodes,
              (row) => encodeCursor(sort ? keyOf(row) : [row.id]),
              {
                hasNextPage: window.forward ? hasMore : page.before != null,
                hasPreviousPage: window.forward ? page.after != null : hasMore,
              },
              async () => (await countAll()).get(key.parentId) ?? 0,
            ),
          );
        }
      }
      return keys.map((key) => results.get(key)!);
    },
    { cacheKeyFn: (key) => JSON.stringify([key.parentId, key.page, key.filter, key.sort ?? null]) },
  );
}
