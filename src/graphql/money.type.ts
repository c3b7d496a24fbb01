import { Field, ObjectType } from 'type-graphql';
import { formatFen } from '../money';
import { DecimalScalar } from './scalars';

/** An amount of whole fen shown as a Decimal string of yuan. */
@ObjectType()
export class Money {
  @Field(() => DecimalScalar)
  amount: string;

  @Field({ description: 'ISO 4217, always CNY here.' })
  currency: string;

  static fromFen(fen: bigint | number | string): Money {
    const money = new Money();
    money.amount = formatFen(BigInt(fen));
    money.currency = 'CNY';
    return money;
  }
}
