import { DataSource } from 'typeorm';
import { inTransaction, isDuplicateKey } from '../db/transaction';
import { execute } from '../stock/stock-sql';

/** Ids one instance draws at a time. */
export const ORDER_ID_BLOCK = 100;

const NAME = 'orders';

/**
 * Order ids known before the INSERT (the "hi/lo" of ORMs): each instance draws a block of ORDER_ID_BLOCK ids
 * from id_block in a short transaction of its own, then hands them out from memory. So placeOrder writes an
 * order whole (its number is made from its id: no UPDATE after the INSERT), the idempotency record carries
 * the order's id from the start, and a merged batch of orders is one multi-row INSERT.
 *
 * - A block starts above the highest id in `orders`, so rows inserted with AUTO_INCREMENT ids (the scale
 *   generator, the demo seed) are stepped over. One that takes an id of a block afterwards makes that
 *   order's INSERT a duplicate key: the caller `discard`s the block and tries again with a new one.
 * - With several instances, ids follow placement time only within an instance; across instances they
 *   interleave by up to a block. Unused ids of a block are lost at a restart (gaps, never repeats).
 */
export class OrderIds {
  private next = 0;
  private end = 0;
  private drawing: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly blockSize = ORDER_ID_BLOCK,
  ) {}

  /** `count` unused ids, ascending. */
  async take(count: number): Promise<number[]> {
    const ids: number[] = [];
    while (ids.length < count) {
      if (this.next < this.end) ids.push(this.next++);
      else await this.draw(count - ids.length);
    }
    return ids;
  }

  /** Drops what is left of the block (one of its ids was taken by a row inserted elsewhere). */
  discard(): void {
    this.next = this.end;
  }

  private draw(atLeast: number): Promise<void> {
    this.drawing ??= this.drawBlock(Math.max(this.blockSize, atLeast)).finally(() => {
      this.drawing = null;
    });
    return this.drawing;
  }

  private async drawBlock(size: number): Promise<void> {
    // A plain read, outside the transaction: it takes no lock on `orders`.
    const [{ top }] = (await this.dataSource.query('SELECT COALESCE(MAX(id), 0) AS top FROM orders')) as {
      top: number | string;
    }[];
    const floor = Number(top) + 1;
    const end = await inTransaction(this.dataSource, async (m) => {
      const bump = () =>
        execute(
          m,
          'UPDATE id_block SET next_id = CASE WHEN next_id > ? THEN next_id ELSE ? END + ? WHERE name = ?',
          [floor, floor, size, NAME],
        );
      if ((await bump()) === 0) {
        try {
          await m.query('INSERT INTO id_block (name, next_id) VALUES (?, ?)', [NAME, floor + size]);
        } catch (error) {
          if (!isDuplicateKey(error) || (await bump()) === 0) throw error;
        }
      }
      const [row] = (await m.query('SELECT next_id FROM id_block WHERE name = ?', [NAME])) as {
        next_id: number | string;
      }[];
      return Number(row.next_id);
    });
    this.next = end - size;
    this.end = end;
  }
}
