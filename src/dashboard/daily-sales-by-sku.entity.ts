import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/** Sales of one SKU on one Asia/Shanghai day (dispatch day). */
@Entity('daily_sales_by_sku')
export class DailySalesBySku {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'int' })
  skuId: number;

  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  @Column({ type: 'int', default: 0 })
  units: number;
}
