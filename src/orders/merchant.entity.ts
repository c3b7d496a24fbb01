import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn } from '../db/columns';
import { SalesPlatform } from '../graphql/enums';
import { Node, toGlobalId } from '../graphql/node';

/** An online store of the park. */
@ObjectType({ implements: Node })
@Entity('merchant')
export class Merchant implements Node {
  static readonly nodeType = 'Merchant';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Merchant.nodeType, this.id);
  }

  @Field()
  @Index({ unique: true })
  @Column(exactColumn(40))
  code: string;

  @Field()
  @Column({ length: 120 })
  name: string;

  @Field()
  @Index()
  @Column({ length: 80 })
  village: string;

  @Field(() => SalesPlatform)
  @Column({ type: 'varchar', length: 12 })
  platform: SalesPlatform;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 300, nullable: true })
  storefrontUrl: string | null;

  @Field()
  @Column({ default: true })
  active: boolean;

  @Column(instantColumn())
  createdAt: Date;
}
