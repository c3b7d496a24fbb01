import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ReturnCondition } from '../graphql/enums';

/** Units of one SKU of a return, in one condition. */
@ObjectType()
@Entity('return_line')
@Index(['returnId', 'id'])
@Index(['orderId', 'skuId'])
export class ReturnLine {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  returnId: number;

  /** The order of the return, kept beside it so what came back of an order is one indexed read. */
  @Column({ type: 'int' })
  orderId: number;

  @Column({ type: 'int' })
  skuId: number;

  @Field(() => Int)
  @Column({ type: 'int' })
  quantity: number;

  @Field(() => ReturnCondition)
  @Column({ type: 'varchar', length: 12 })
  condition: ReturnCondition;
}
