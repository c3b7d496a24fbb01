import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { Brackets, SelectQueryBuilder } from 'typeorm';
import { entitiesOf } from '../db/raw-rows';
import { badInput } from './errors';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field() hasPreviousPage: boolean;
  @Field(() => String, { nullable: true }) startCursor: string | null;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, { nullable: true }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
  @Field(() => Int, { nullable: true }) last?: number | null;
  @Field(() => String, { nullable: true }) before?: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Counted only when asked for. */
  readonly totalCount: Promise<number>;
}

/** The FooEdge and FooConnection object types of one node type. */
export function connectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field() cursor: string;
    @Field(() => node) node: T;
  }
  @ObjectType(`${name}Connection`)
  class ConnectionOfNode implements Connection<T> {
    @Field(() => [Edge]) edges: Edge[];
    @Field(() => [node]) nodes: T[];
    @Field(() => PageInfo) pageInfo: PageInfo;
    @Field(() => Int) readonly totalCount: Promise<number>;
  }
  return ConnectionOfNode;
}

/** How a list is ordered: a SQL expression and the same value read off a row; ties broken by id. */
export interface SortKey<T> {
  expression: string;
  valueOf: (row: T) => string | number;
}

interface PageWindow {
  limit: number;
  forward: boolean;
  cursor: (string | number)[] | null;
}

export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, field: string, length: number): (string | number)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Sort values are strings or finite numbers (never 1e400, which parses as Infinity); the last value is
    // the row's id.
    if (
      Array.isArray(values) &&
      values.length === length &&
      values.every((v) => typeof v === 'string' || Number.isFinite(v)) &&
      Number.isSafeInteger(values[length - 1]) &&
      values[length - 1] >= 0
    ) {
      return values;
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, `${field} is not a cursor this list returned`);
}

/** Checks first/after/last/before: at most 100 a page, first with after, last with before. */
export function pageWindow(args: ConnectionArgs, cursorLength: number): PageWindow {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw badInput('first', 'Give first or last, not both');
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value != null && (value < 0 || value > MAX_PAGE)) {
      throw badInput(name, `${name} must be from 0 to ${MAX_PAGE}, got ${value}`);
    }
  }
  if (after != null && before != null) throw badInput('after', 'Give after or before, not both');
  if (last != null && after != null) throw badInput('after', 'after goes with first; use before with last');
  if (first != null && before != null)
    throw badInput('before', 'before goes with last; use after with first');
  const forward = last == null && before == null;
  const cursorText = forward ? after : before;
  return {
    limit: (forward ? first : last) ?? DEFAULT_PAGE,
    forward,
    cursor: cursorText != null ? decodeCursor(cursorText, forward ? 'after' : 'before', cursorLength) : null,
  };
}

/**
 * One page of a keyset-paginated query (ordered by `sort` then `alias.id`), with a lazy total.
 * The query builder carries the filters; its alias is the entity's.
 */
export async function paginate<T extends { id: number }>(
  query: SelectQueryBuilder<T>,
  args: ConnectionArgs,
  sort: SortKey<T> | null = null,
  direction: 'ASC' | 'DESC' = 'ASC',
  fetch: (page: SelectQueryBuilder<T>) => Promise<T[]> = entitiesOf,
): Promise<Connection<T>> {
  const window = pageWindow(args, sort ? 2 : 1);
  const alias = query.alias;
  const countQuery = query.clone();
  const ascending = (direction === 'ASC') === window.forward;
  const order = ascending ? 'ASC' : 'DESC';
  const cmp = ascending ? '>' : '<';
  const page = query.clone();
  if (window.cursor) {
    if (sort) {
      const [value, id] = window.cursor;
      page.andWhere(
        new Brackets((w) => {
          w.where(`${sort.expression} ${cmp} :cursorValue`, { cursorValue: value }).orWhere(
            `(${sort.expression} = :cursorValue AND ${alias}.id ${cmp} :cursorId)`,
            { cursorId: id },
          );
        }),
      );
    } else {
      page.andWhere(`${alias}.id ${cmp} :cursorId`, { cursorId: window.cursor[0] });
    }
  }
  if (sort) page.orderBy(sort.expression, order).addOrderBy(`${alias}.id`, order);
  else page.orderBy(`${alias}.id`, order);
  const rows = window.limit === 0 ? [] : await fetch(page.limit(window.limit + 1));
  const hasMore = rows.length > window.limit;
  const nodes = rows.slice(0, window.limit);
  if (!window.forward) nodes.reverse();
  const cursorOf = (row: T) => encodeCursor(sort ? [sort.valueOf(row), row.id] : [row.id]);
  return connectionOf(
    nodes,
    cursorOf,
    {
      hasNextPage: window.forward ? hasMore : args.before != null,
      hasPreviousPage: window.forward ? args.after != null : hasMore,
    },
    () => countQuery.getCount(),
  );
}

/** A page of nothing, for a list the caller may not see; the page arguments are checked as for any other. */
export function emptyConnection<T>(args: ConnectionArgs): Connection<T> {
  const window = pageWindow(args, 1);
  return connectionOf<T>(
    [],
    () => '',
    {
      hasNextPage: window.forward ? false : args.before != null,
      hasPreviousPage: window.forward ? args.after != null : false,
    },
    () => Promise.resolve(0),
  );
}

export function connectionOf<T>(
  nodes: T[],
  cursorOf: (row: T) => string,
  more: { hasNextPage: boolean; hasPreviousPage: boolean },
  countTotal: () => Promise<number>,
): Connection<T> {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  const pageInfo = Object.assign(new PageInfo(), {
    ...more,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  });
  let total: Promise<number> | undefined;
  return {
    edges,
    nodes,
    pageInfo,
    get totalCount() {
      return (total ??= countTotal());
    },
  };
}
