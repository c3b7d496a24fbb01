import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn } from '../db/columns';
import { Node, toGlobalId } from '../graphql/node';

@ObjectType({ implements: Node })
@Entity('carrier')
export class Carrier implements Node {
  static readonly nodeType = 'Carrier';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Carrier.nodeType, this.id);
  }

  @Field()
  @Index({ unique: true })
  @Column(exactColumn(40))
  code: string;

  @Field()
  @Column({ length: 80 })
  name: string;

  @Field()
  @Column({ default: true })
  active: boolean;
}
