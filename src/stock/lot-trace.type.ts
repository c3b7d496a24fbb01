import { Field, Int, ObjectType } from 'type-graphql';
import { Lot } from './lot.entity';

/** Units of a lot that one order took. */
@ObjectType()
export class LotShipment {
  orderId: number;

  @Field(() => Int)
  quantity: number;
}

/** Where every unit of one lot went, read off the stock ledger. */
@ObjectType({ description: 'Where every unit of one lot went: the answer to a food-safety recall.' })
export class LotTrace {
  @Field(() => Lot)
  lot: Lot;

  @Field(() => Int)
  unitsReceived: number;

  @Field(() => Int)
  unitsOnHand: number;

  @Field(() => Int)
  unitsShipped: number;

  @Field(() => Int, { description: 'Resaleable units that came back from customers into this lot.' })
  unitsReturned: number;

  @Field(() => Int, {
    description:
      'Expired, damaged and spoiled units, net of found ones: unitsReceived + unitsReturned = unitsOnHand + unitsShipped + unitsWrittenOff.',
  })
  unitsWrittenOff: number;

  @Field(() => [LotShipment])
  shipments: LotShipment[];
}
