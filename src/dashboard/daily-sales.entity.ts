import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/**
 * County totals of one Asia/Shanghai day, split over a few shards (order id modulo ROLLUP_SHARDS)
 * so that concurrent placeOrder transactions do not queue on one hot row. Readers sum the shards.
 */
@Entity('daily_sales')
export class DailySales {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'int' })
  shard: number;

  /** Line totals of the orders dispatched that day. */
  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  @Column({ type: 'int', default: 0 })
  ordersPlaced: number;

  @Column({ type: 'int', default: 0 })
  ordersDispatched: number;

  @Column({ type: 'int', default: 0 })
  parcels: number;

  @Column({ type: 'int', default: 0 })
  units: number;

  /** Units that came back that day (RESALEABLE and DAMAGED), by the day of the return. */
  @Column({ type: 'int', default: 0 })
  unitsReturned: number;

  /** Those units at their order line's unit price. */
  @Column(fenColumn({ default: 0 }))
  salesReturnedFen: bigint;
}
