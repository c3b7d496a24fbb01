import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn } from '../db/columns';
import { StorageZone } from '../graphql/enums';
import { Node, toGlobalId } from '../graphql/node';

/** A bin in the centre. */
@ObjectType({ implements: Node })
@Entity('location')
export class Location implements Node {
  static readonly nodeType = 'Location';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Location.nodeType, this.id);
  }

  @Field({ description: 'Bin code, e.g. C-02-05.' })
  @Index({ unique: true })
  @Column(exactColumn(40))
  code: string;

  @Field(() => StorageZone)
  @Index()
  @Column({ type: 'varchar', length: 10 })
  zone: StorageZone;
}
