import { IsOptional, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { OrderStatus } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';

@InputType()
export class OrderFilter {
  @Field(() => OrderStatus, { nullable: true }) status?: OrderStatus;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) merchantCode?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) carrierCode?: string;
  @Field(() => DateTimeScalar, { nullable: true }) placedFrom?: Date;
  @Field(() => DateTimeScalar, { nullable: true }) placedTo?: Date;
}
