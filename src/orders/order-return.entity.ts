import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instantColumn } from '../db/columns';
import { toGlobalId } from '../graphql/node';
import { DateTimeScalar } from '../graphql/scalars';

/** Units of a dispatched or delivered order that came back, recorded by one returnOrder. */
@ObjectType()
@Entity('order_return')
@Index(['orderId', 'id'])
@Index(['at'])
export class OrderReturn {
  static readonly nodeType = 'OrderReturn';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(OrderReturn.nodeType, this.id);
  }

  @Column({ type: 'int' })
  orderId: number;

  @Field()
  @Column({ length: 300 })
  reason: string;

  @Field({ description: "The key's label that recorded it." })
  @Column({ length: 80 })
  actor: string;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  at: Date;
}
