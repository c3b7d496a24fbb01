import { ObjectType, Field } from 'type-graphql';
import { DecimalScalar } from './graphql/scalars';

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

/** 1235n -> "12.35"; -5n -> "-0.05". */
export function formatFen(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const yuan = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** "12.35" -> 1235n; null when it is not a non-negative amount with at most two decimals. */
export function parseYuanToFen(value: string): bigint | null {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return null;
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}
