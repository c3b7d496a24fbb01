import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The next id an instance may draw a block of ids from, per table (OrderIds): ids known before the INSERT,
 * so the row is written whole (an order's number is made from its id) and a batch of orders is one INSERT.
 */
@Entity('id_block')
export class IdBlock {
  @PrimaryColumn({ length: 40 })
  name: string;

  /** The first id not yet handed out. */
  @Column({ type: 'int' })
  nextId: number;
}
