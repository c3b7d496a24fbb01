import { SharedReads } from '../src/db/shared-reads';
import { createReferenceData } from './support/fixtures';
import { countSql } from './support/sql-counter';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await app.gateway.webhookDispatcher.stop();
  await createReferenceData(app);
});
afterAll(() => app.close());
afterEach(() => jest.restoreAllMocks());

/** A read of one shape: the SKUs of these codes. */
const skusOf = (...codes: string[]) => ({
  sql: `SELECT s.code AS code, s.name AS name FROM sku s WHERE s.code IN (${codes.map(() => '?').join(', ')})`,
  params: codes,
});
const codesOf = (rows: Record<string, unknown>[]) => rows.map((r) => r.code).sort();

it('runs a read alone when a place is free, and the reads that come meanwhile in one statement, each with its own rows', async () => {
  const reads = new SharedReads(app.dataSource, 1);
  const sql = countSql(app.dataSource);
  const first = reads.read(skusOf('JC-PEAR-5KG'));
  const waiting = [
    reads.read(skusOf('JC-MILLET-2500G', 'JC-HAWTHORN-500G')),
    reads.read(skusOf('NO-SUCH-SKU')),
    reads.read(skusOf('JC-PEAR-5KG', 'JC-MILLET-2500G')),
  ];
  const [alone, ...shared] = await Promise.all([first, ...waiting]);
  expect(sql.count).toBe(2);
  expect(codesOf(alone)).toEqual(['JC-PEAR-5KG']);
  expect(shared.map(codesOf)).toEqual([
    ['JC-HAWTHORN-500G', 'JC-MILLET-2500G'],
    [],
    ['JC-MILLET-2500G', 'JC-PEAR-5KG'],
  ]);
  // Rows as a read alone gives them: no column of the shared statement's own.
  expect(shared[0][0]).toEqual(
    (await app.dataSource.query(skusOf(String(shared[0][0].code)).sql, [shared[0][0].code]))[0],
  );
});

it("runs the reads of a failed shared statement one by one, so one read's error is only its own", async () => {
  const reads = new SharedReads(app.dataSource, 1);
  const first = reads.read(skusOf('JC-PEAR-5KG'));
  const good = reads.read(skusOf('JC-MILLET-2500G'));
  const bad = reads.read({
    sql: 'SELECT s.code AS code, s.name AS name FROM sku s WHERE s.no_such_column = ?',
    params: [1],
  });
  const alsoGood = reads.read(skusOf('JC-HAWTHORN-500G'));
  await first;
  const [goodRows, badRows, alsoGoodRows] = await Promise.allSettled([good, bad, alsoGood]);
  expect(goodRows.status === 'fulfilled' && codesOf(goodRows.value)).toEqual(['JC-MILLET-2500G']);
  expect(badRows.status === 'rejected' && String(badRows.reason)).toMatch(/no_such_column/);
  expect(alsoGoodRows.status === 'fulfilled' && codesOf(alsoGoodRows.value)).toEqual(['JC-HAWTHORN-500G']);
});

it('fails every read of a shared statement on a database fault, without running them again', async () => {
  const reads = new SharedReads(app.dataSource, 1);
  const first = reads.read(skusOf('JC-PEAR-5KG'));
  const waiting = [reads.read(skusOf('JC-MILLET-2500G')), reads.read(skusOf('JC-HAWTHORN-500G'))];
  const down = Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
  const query = jest.spyOn(app.dataSource, 'query').mockRejectedValue(down);
  await first;
  for (const read of waiting) await expect(read).rejects.toBe(down);
  expect(query).toHaveBeenCalledTimes(1);
});
