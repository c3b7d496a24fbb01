import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { instantColumn } from '../db/columns';
import { DateTimeScalar } from '../graphql/scalars';
import { availableOf, isLow, unsellableOf } from './availability';

/**
 * Stock of one SKU across the centre. `onHand`, `reserved` and `heldOrExpired` are kept by the
 * stock and order services with atomic updates; units in ACTIVE lots that passed their expiry
 * date but were not written off yet are counted at read time (`expiredNotWrittenOff`). What can be sold
 * is the rule of ./availability.
 */
@ObjectType({ description: 'Stock of one SKU across the whole distribution centre.' })
@Entity('stock_level')
export class StockLevel {
  @PrimaryColumn({ type: 'int' })
  skuId: number;

  @Field(() => Int, { description: 'Physically in the centre, every lot and status.' })
  @Column({ type: 'int', default: 0 })
  onHand: number;

  @Field(() => Int, { description: 'Promised to orders that are placed or allocated but not yet picked.' })
  @Column({ type: 'int', default: 0 })
  reserved: number;

  /** On hand in HELD lots and in EXPIRED lots not yet written off. */
  @Column({ type: 'int', default: 0 })
  heldOrExpired: number;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  updatedAt: Date;

  /** Filled by the stock-level loader, not stored. */
  expiredNotWrittenOff = 0;
  lowStockThreshold = 0;

  @Field(() => Int, { description: 'On hand in HELD or EXPIRED lots.' })
  get unsellable(): number {
    return unsellableOf(this);
  }

  @Field(() => Int, {
    description: 'What a merchant can order now: onHand - reserved - unsellable, never below 0.',
  })
  get available(): number {
    return availableOf(this);
  }

  @Field()
  get isLow(): boolean {
    return isLow(this.available, this.lowStockThreshold);
  }
}
