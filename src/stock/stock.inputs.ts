import { IsOptional, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { LotStatus, MovementType } from '../graphql/enums';
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
