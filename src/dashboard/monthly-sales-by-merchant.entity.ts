import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/**
 * Sales of one merchant (its village is read from the merchant) in one calendar month (the month's first
 * day), for reads of long ranges.
 */
@Entity('monthly_sales_by_merchant')
export class MonthlySalesByMerchant {
  @PrimaryColumn({ type: 'date' })
  month: string;

  @PrimaryColumn({ type: 'int' })
  merchantId: number;

  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  /** Orders of this merchant dispatched. */
  @Column({ type: 'int', default: 0 })
  ordersDispatched: number;
}
