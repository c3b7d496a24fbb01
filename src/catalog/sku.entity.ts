import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, fenColumn, instantColumn } from '../db/columns';
import { SkuCategory, StorageZone } from '../graphql/enums';
import { Node, toGlobalId } from '../graphql/node';
import { Money } from '../graphql/money.type';

@ObjectType({ implements: Node })
@Entity('sku')
export class Sku implements Node {
  static readonly nodeType = 'Sku';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Sku.nodeType, this.id);
  }

  @Field({ description: 'Human key, e.g. JC-MILLET-2500G.' })
  @Index({ unique: true })
  @Column(exactColumn(40))
  code: string;

  @Field()
  @Index()
  @Column({ length: 120 })
  name: string;

  @Field(() => String, { nullable: true, description: 'Name in Chinese, e.g. 沁州黄小米.' })
  @Column({ type: 'varchar', length: 120, nullable: true })
  localName: string | null;

  @Field(() => SkuCategory)
  @Index()
  @Column({ type: 'varchar', length: 20 })
  category: SkuCategory;

  @Field({ description: 'Packaging unit, e.g. "2.5 kg bag".' })
  @Column({ length: 40 })
  unit: string;

  @Field(() => Int)
  @Column({ type: 'int' })
  unitWeightGrams: number;

  @Field(() => StorageZone)
  @Column({ type: 'varchar', length: 10 })
  storageZone: StorageZone;

  @Field(() => Int)
  @Column({ type: 'int' })
  shelfLifeDays: number;

  @Index()
  @Column(fenColumn())
  priceFen: bigint;

  @Field(() => Money, { name: 'price', description: 'Wholesale unit price charged to merchants.' })
  get price(): Money {
    return Money.fromFen(this.priceFen);
  }

  @Field({ description: 'An intangible-cultural-heritage item.' })
  @Column({ default: false })
  heritage: boolean;

  @Field(() => String, { nullable: true, description: 'Geographical-indication label, where it has one.' })
  @Column({ type: 'varchar', length: 120, nullable: true })
  geographicalIndication: string | null;

  @Field(() => Int)
  @Column({ type: 'int', default: 10 })
  lowStockThreshold: number;

  @Field()
  @Column({ default: true })
  active: boolean;

  @Column(instantColumn())
  createdAt: Date;
}
