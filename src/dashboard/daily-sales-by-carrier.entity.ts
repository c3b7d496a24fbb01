import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/** Orders handed to one carrier on one Asia/Shanghai day. */
@Entity('daily_sales_by_carrier')
export class DailySalesByCarrier {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'int' })
  carrierId: number;

  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  @Column({ type: 'int', default: 0 })
  ordersDispatched: number;

  @Column({ type: 'int', default: 0 })
  parcels: number;
}
