import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn } from '../db/columns';
import { DateTimeScalar } from '../graphql/scalars';
import { Node, toGlobalId } from '../graphql/node';

@ObjectType({ implements: Node })
@Entity('farm')
export class Farm implements Node {
  static readonly nodeType = 'Farm';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Farm.nodeType, this.id);
  }

  @Field({ description: 'Human key, e.g. FARM-QINSHUI-017. Upper-case letters, digits and dashes.' })
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

  @Field()
  @Index()
  @Column({ length: 80 })
  township: string;

  @Field()
  @Column({ length: 80 })
  county: string;

  /** Personal data; the field guard lives in the farm resolver. */
  @Column({ type: 'varchar', length: 80, nullable: true })
  contactName: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  phone: string | null;

  @Field(() => [String])
  @Column({ type: 'simple-json' })
  certifications: string[];

  @Field()
  @Column({ default: true })
  active: boolean;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  createdAt: Date;
}
