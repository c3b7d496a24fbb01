import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { fenColumn } from '../db/columns';
import { toGlobalId } from '../graphql/node';
import { Money } from '../graphql/money.type';

@ObjectType()
@Entity('order_line')
@Index(['orderId'])
@Index(['skuId'])
export class OrderLine {
  static readonly nodeType = 'OrderLine';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(OrderLine.nodeType, this.id);
  }

  @Column({ type: 'int' })
  orderId: number;

  @Column({ type: 'int' })
  skuId: number;

  @Field(() => Int)
  @Column({ type: 'int' })
  quantity: number;

  @Column(fenColumn())
  unitPriceFen: bigint;

  @Column(fenColumn())
  lineTotalFen: bigint;

  @Field(() => Money, { name: 'unitPrice' })
  get unitPrice(): Money {
    return Money.fromFen(this.unitPriceFen);
  }

  @Field(() => Money, { name: 'lineTotal' })
  get lineTotal(): Money {
    return Money.fromFen(this.lineTotalFen);
  }
}
