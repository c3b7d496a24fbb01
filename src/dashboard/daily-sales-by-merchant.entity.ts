import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/** Sales of one merchant (its village is read from the merchant) on one Asia/Shanghai day (dispatch day). */
@Entity('daily_sales_by_merchant')
export class DailySalesByMerchant {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'int' })
  merchantId: number;

  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  /** Orders of this merchant dispatched. */
  @Column({ type: 'int', default: 0 })
  ordersDispatched: number;
}
