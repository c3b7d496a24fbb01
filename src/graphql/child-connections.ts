import DataLoader from 'dataloader';
import { DataSource, EntityTarget, In, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Connection, ConnectionArgs, connectionOf, encodeCursor, pageWindow } from './connection';

interface ChildKey {
  parentId: number;
  page: ConnectionArgs;
  filter: object;
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
): DataLoader<ChildKey, Connection<T>, string> {
  return new DataLoader<ChildKey, Connection<T>, string>(
    async (keys) => {
      const groups = new Map<string, ChildKey[]>();
      for (const key of keys) {
        const groupKey = JSON.stringify([key.page, key.filter]);
        groups.set(groupKey, [...(groups.get(groupKey) ?? []), key]);
      }
      const results = new Map<ChildKey, Connection<T>>();
      for (const members of groups.values()) {
        const { page, filter } = members[0];
        const window = pageWindow(page, 1);
        const parentIds = [...new Set(members.map((k) => k.parentId))];
        const base = () => {
          const q = dataSource
            .getRepository(entity)
            .createQueryBuilder('t')
            .where(`t.${parentColumn} IN (:...parentIds)`, { parentIds });
          applyFilter(q, filter as F);
          return q;
        };
        const ascending = window.forward;
        const inner = base();
        if (window.cursor)
          inner.andWhere(`t.id ${ascending ? '>' : '<'} :cursorId`, { cursorId: window.cursor[0] });
        inner
          .select('t.id', 'id')
          .addSelect(`t.${parentColumn}`, 'parent')
          .addSelect(
            `ROW_NUMBER() OVER (PARTITION BY t.${parentColumn} ORDER BY t.id ${ascending ? 'ASC' : 'DESC'})`,
            'rn',
          );
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
          const ids = ranked
            .filter((r) => Number(r.parent) === key.parentId)
            .map((r) => Number(r.id))
            .sort((a, b) => (ascending ? a - b : b - a));
          const hasMore = ids.length > window.limit;
          const nodes = ids
            .slice(0, window.limit)
            .map((id) => rowById.get(id))
            .filter((r): r is T => !!r);
          if (!window.forward) nodes.reverse();
          results.set(
            key,
            connectionOf(
              nodes,
              (row) => encodeCursor([row.id]),
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
    { cacheKeyFn: (key) => JSON.stringify([key.parentId, key.page, key.filter]) },
  );
}
