import { ArrayMaxSize, ArrayMinSize, Length } from 'class-validator';
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { Order } from './order.entity';

export const MAX_PICK_LIST_ORDERS = 100;

@ArgsType()
export class PickListArgs {
  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PICK_LIST_ORDERS)
  @Length(1, 30, { each: true })
  orderNumbers: string[];
}

/** Units of one pick list line that go to one order. */
@ObjectType()
export class PickListOrder {
  @Field(() => Order)
  order: Order;

  @Field(() => Int)
  quantity: number;
}

/** What to take from one bin of one lot. */
@ObjectType({ description: 'What to take from one bin for a set of allocated orders.' })
export class PickListLine {
  locationId: number;
  lotId: number;
  skuId: number;

  @Field(() => Int)
  quantity: number;

  @Field(() => [PickListOrder], { description: 'How many of those units go to each order.' })
  orders: PickListOrder[];
}

@ObjectType({ description: "A picker's route: one line per bin and lot, in bin-code order." })
export class PickList {
  @Field(() => [PickListLine])
  lines: PickListLine[];

  @Field(() => [Order])
  orders: Order[];

  @Field(() => Int)
  totalUnits: number;
}
