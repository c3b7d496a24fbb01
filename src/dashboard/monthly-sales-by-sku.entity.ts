import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/** Sales of one SKU in one calendar month (the month's first day), for reads of long ranges. */
@Entity('monthly_sales_by_sku')
export class MonthlySalesBySku {
  @PrimaryColumn({ type: 'date' })
  month: string;

  @PrimaryColumn({ type: 'int' })
  skuId: number;

  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  @Column({ type: 'int', default: 0 })
  units: number;
}
