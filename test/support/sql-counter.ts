import { DataSource } from 'typeorm';

/**
 * Counts every SQL statement the data source sends from now on (all of TypeORM's SQL goes through
 * QueryRunner.query).
 */
export function countSql(dataSource: DataSource): { readonly count: number; restore(): void } {
  const runner = dataSource.createQueryRunner();
  const proto = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
  void runner.release();
  const spy = jest.spyOn(proto, 'query');
  const start = spy.mock.calls.length;
  return {
    get count() {
      return spy.mock.calls.length - start;
    },
    restore: () => spy.mockRestore(),
  };
}
