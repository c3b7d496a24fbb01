import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn } from '../db/columns';
import { Node, toGlobalId } from '../graphql/node';

@ObjectType({ implements: Node })
@Entity('village_station')
export class VillageStation implements Node {
  static readonly nodeType = 'VillageStation';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(VillageStation.nodeType, this.id);
  }

  @Field()
  @Index({ unique: true })
  @Column(exactColumn(40))
  code: string;

  @Field()
  @Column({ length: 80 })
  name: string;

  @Field()
  @Column({ length: 80 })
  village: string;

  @Field()
  @Column({ length: 80 })
  township: string;
}
