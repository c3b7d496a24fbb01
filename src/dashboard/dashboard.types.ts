import { Field, Int, ObjectType } from 'type-graphql';
import { LocalDateScalar } from '../graphql/scalars';
import { Money } from '../graphql/money.type';
import type { AnswerRead } from './dashboard-answer.cache';

/** The dashboard of one date range; its sections are resolved by DashboardResolver, each from rollups. */
@ObjectType({
  description:
    'Daily, monthly and breakdown figures for the county office. Sales count orders dispatched in the range.',
})
export class Dashboard {
  @Field(() => LocalDateScalar)
  from: string;

  @Field(() => LocalDateScalar)
  to: string;

  /** The totals, daily and monthly figures, read once per request by whichever field asks first. */
  summary?: Promise<DashboardSummary>;

  /** What the request read, when its whole answer may be kept (see DashboardAnswerCache). */
  read?: AnswerRead;
}

@ObjectType()
export class DailyFigures {
  @Field(() => LocalDateScalar) date: string;
  @Field(() => Money) sales: Money;
  @Field(() => Int) ordersPlaced: number;
  @Field(() => Int) ordersDispatched: number;
  @Field(() => Int) parcels: number;
}

@ObjectType()
export class MonthlyFigures {
  @Field({ description: 'YYYY-MM.' }) month: string;
  @Field(() => Money) sales: Money;
  @Field(() => Int) ordersDispatched: number;
  @Field(() => Int) parcels: number;
}

@ObjectType()
export class CarrierFigures {
  carrierId: number;
  @Field(() => Int) parcels: number;
  @Field(() => Int) ordersDispatched: number;
}

@ObjectType()
export class FarmFigures {
  farmId: number;
  @Field(() => Money) sales: Money;
  @Field(() => Int) units: number;
}

@ObjectType()
export class VillageFigures {
  @Field() village: string;
  @Field(() => Money) sales: Money;
  @Field(() => Int, { description: 'Merchants of the village with orders dispatched in the range.' })
  merchants: number;
}

@ObjectType()
export class SkuFigures {
  skuId: number;
  @Field(() => Money) sales: Money;
  @Field(() => Int) units: number;
}

export interface DashboardSummary {
  salesFen: bigint;
  ordersPlaced: number;
  ordersDispatched: number;
  parcels: number;
  units: number;
  unitsReturned: number;
  salesReturnedFen: bigint;
  daily: DailyFigures[];
  monthly: MonthlyFigures[];
}
