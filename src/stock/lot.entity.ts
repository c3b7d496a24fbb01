import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn, localDateColumn } from '../db/columns';
import { LotStatus } from '../graphql/enums';
import { Node, toGlobalId } from '../graphql/node';
import { DateTimeScalar, LocalDateScalar } from '../graphql/scalars';
import { shanghaiToday } from '../time';

/** A batch of one SKU received from one farm. */
@ObjectType({ implements: Node, description: 'A batch of one SKU received from one farm.' })
@Entity('lot')
@Index(['skuId', 'status', 'expiresOn'])
@Index(['farmId', 'id'])
@Index(['status', 'expiresOn'])
export class Lot implements Node {
  static readonly nodeType = 'Lot';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Lot.nodeType, this.id);
  }

  @Field({ description: 'Assigned on receipt, e.g. LOT-20261129-0007.' })
  @Index({ unique: true })
  @Column(exactColumn(40))
  code: string;

  @Column({ type: 'int' })
  skuId: number;

  @Column({ type: 'int' })
  farmId: number;

  /** As stored: ACTIVE, HELD, EXPIRED (written off) or DEPLETED. */
  @Column({ type: 'varchar', length: 10 })
  status: LotStatus;

  /** What a reader sees: an ACTIVE lot past its expiry date is EXPIRED, an empty one DEPLETED. */
  @Field(() => LotStatus, { name: 'status' })
  get effectiveStatus(): LotStatus {
    if (this.status !== LotStatus.ACTIVE) return this.status;
    if (this.expiresOn < shanghaiToday()) return LotStatus.EXPIRED;
    if (this.quantityOnHand === 0) return LotStatus.DEPLETED;
    return LotStatus.ACTIVE;
  }

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  receivedAt: Date;

  @Field(() => LocalDateScalar, { nullable: true })
  @Column(localDateColumn({ nullable: true }))
  harvestedOn: string | null;

  @Field(() => LocalDateScalar)
  @Column(localDateColumn())
  expiresOn: string;

  @Field(() => Int)
  @Column({ type: 'int' })
  quantityReceived: number;

  @Field(() => Int)
  @Column({ type: 'int' })
  quantityOnHand: number;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 200, nullable: true })
  holdReason: string | null;
}
