import { Field, ObjectType } from 'type-graphql';
import { VillageStation } from '../catalog/village-station.entity';
import { Order } from './order.entity';

/** Where an order goes; read off the order's own columns. */
@ObjectType()
export class Destination {
  constructor(readonly order: Order) {}

  @Field(() => VillageStation, {
    nullable: true,
    description: 'Set when the parcel goes to a village station.',
  })
  station: VillageStation | null;

  @Field(() => String, { nullable: true })
  get city(): string | null {
    return this.order.city;
  }

  @Field(() => String, { nullable: true })
  get province(): string | null {
    return this.order.province;
  }
}
