import { IsOptional, Length, Max, MaxLength, Min, NotEquals } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { AdjustmentReason, LotStatus, MovementType } from '../graphql/enums';
import { DateTimeScalar, LocalDateScalar } from '../graphql/scalars';

@InputType()
export class LotFilter {
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) skuCode?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) farmCode?: string;
  @Field(() => LotStatus, { nullable: true }) status?: LotStatus;
  @Field(() => LocalDateScalar, { nullable: true }) expiresBefore?: string;
}

@InputType()
export class MovementFilter {
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) skuCode?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) lotCode?: string;
  @Field(() => MovementType, { nullable: true }) type?: MovementType;
  @Field(() => DateTimeScalar, { nullable: true }) from?: Date;
  @Field(() => DateTimeScalar, { nullable: true }) to?: Date;
}

const MAX_UNITS = 1_000_000;

@InputType()
export class ReceiveLotInput {
  @Field({
    description:
      'Same key and same input: the first result again, nothing received twice; a repeat that arrives while the first is still running waits for it and returns its result. Same key, other input: CONFLICT.',
  })
  @Length(1, 100)
  idempotencyKey: string;
  @Field() @Length(1, 40) skuCode: string;
  @Field() @Length(1, 40) farmCode: string;
  @Field(() => Int) @Min(1) @Max(MAX_UNITS) quantity: number;
  @Field() @Length(1, 40) locationCode: string;
  @Field(() => LocalDateScalar, { nullable: true }) harvestedOn?: string;
  @Field(() => LocalDateScalar, {
    nullable: true,
    description: "Defaults to the receipt date plus the SKU's shelfLifeDays.",
  })
  expiresOn?: string;
}

@InputType()
export class MoveStockInput {
  @Field({ description: 'A repeat with the same key moves nothing again (see the conventions at the top).' })
  @Length(1, 100)
  idempotencyKey: string;
  @Field() @Length(1, 40) lotCode: string;
  @Field() @Length(1, 40) fromLocationCode: string;
  @Field() @Length(1, 40) toLocationCode: string;
  @Field(() => Int) @Min(1) @Max(MAX_UNITS) quantity: number;
}

@InputType()
export class AdjustStockInput {
  @Field({ description: 'A repeat with the same key adjusts nothing again.' })
  @Length(1, 100)
  idempotencyKey: string;
  @Field() @Length(1, 40) lotCode: string;
  @Field() @Length(1, 40) locationCode: string;
  @Field(() => Int, { description: 'Non-zero; negative removes units.' })
  @NotEquals(0, { message: '$property must not be zero' })
  @Min(-MAX_UNITS)
  @Max(MAX_UNITS)
  delta: number;
  @Field(() => AdjustmentReason) reason: AdjustmentReason;
  @Field({ nullable: true }) @IsOptional() @MaxLength(500) note?: string;
}

@InputType()
export class CountStockInput {
  @Field({ description: 'A repeat with the same key records nothing again.' })
  @Length(1, 100)
  idempotencyKey: string;
  @Field() @Length(1, 40) lotCode: string;
  @Field() @Length(1, 40) locationCode: string;
  @Field(() => Int, { description: 'What the counter found in the bin, >= 0.' })
  @Min(0)
  @Max(MAX_UNITS)
  countedQuantity: number;
  @Field(() => Int, {
    nullable: true,
    description:
      'What the tablet showed when the count began. When set and the bin now holds another quantity (a pick or move happened meanwhile), CONFLICT and nothing changes.',
  })
  @IsOptional()
  @Min(0)
  @Max(MAX_UNITS)
  expectedQuantity?: number;
  @Field({ nullable: true }) @IsOptional() @MaxLength(500) note?: string;
}
