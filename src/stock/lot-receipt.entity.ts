import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instantColumn } from '../db/columns';

/** The idempotency record of one receiveLot call: caller scope + key -> the lot it created. */
@Entity('lot_receipt')
@Index(['scope', 'idempotencyKey'], { unique: true })
@Index(['createdAt'])
export class LotReceipt {
  @PrimaryGeneratedColumn()
  id: number;

  /** The caller: the API key's id, or "admin-token". */
  @Column({ length: 40 })
  scope: string;

  @Column({ length: 100 })
  idempotencyKey: string;

  @Column({ length: 64 })
  requestHash: string;

  @Column({ type: 'int' })
  lotId: number;

  @Column(instantColumn())
  createdAt: Date;
}
