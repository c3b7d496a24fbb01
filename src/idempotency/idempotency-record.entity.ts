import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn } from '../db/columns';

/**
 * One keyed request that took effect: (scope, key) -> the operation, a hash of its input and the id of what
 * it produced. Written in the transaction of the change itself, so it exists exactly when the change does.
 */
@Entity('idempotency_record')
@Index(['scope', 'idempotencyKey'], { unique: true })
@Index(['createdAt'])
export class IdempotencyRecord {
  @PrimaryGeneratedColumn()
  id: number;

  /** Whose key it is: the API key's scope, or `merchant:<id>` for placeOrder. */
  @Column(exactColumn(40))
  scope: string;

  @Column(exactColumn(100))
  idempotencyKey: string;

  /** The mutation, e.g. moveStock: the same key on another mutation is a CONFLICT. */
  @Column(exactColumn(40))
  operation: string;

  /** sha256 of the input, to tell a replay from a CONFLICT. */
  @Column(exactColumn(64))
  requestHash: string;

  /** The id of the row the first request returned (lot, movement, order ...); set before the commit. */
  @Column({ type: 'int', nullable: true })
  resultId: number | null;

  @Column(instantColumn())
  createdAt: Date;
}
