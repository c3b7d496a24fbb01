import { Column, Entity, PrimaryColumn } from 'typeorm';
import { fenColumn } from '../db/columns';

/**
 * Sales attributed to one farm through the lots its units were picked from on one Asia/Shanghai day (dispatch
 * day).
 */
@Entity('daily_sales_by_farm')
export class DailySalesByFarm {
  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'int' })
  farmId: number;

  @Column(fenColumn({ default: 0 }))
  salesFen: bigint;

  /** Units of this farm's lots shipped (PICK movements of the dispatched orders). */
  @Column({ type: 'int', default: 0 })
  units: number;
}
