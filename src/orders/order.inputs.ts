import {
  ArrayMaxSize,
  ArrayMinSize,
  IsOptional,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Field, InputType, Int, registerEnumType } from 'type-graphql';
import { OrderStatus, SortDirection } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';

@InputType()
export class OrderFilter {
  @Field(() => OrderStatus, { nullable: true }) status?: OrderStatus;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) merchantCode?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) carrierCode?: string;
  @Field(() => DateTimeScalar, { nullable: true }) placedFrom?: Date;
  @Field(() => DateTimeScalar, { nullable: true }) placedTo?: Date;
  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      "Orders whose updatedAt is at or after this instant: a storefront's catch-up after a disconnect.",
  })
  updatedSince?: Date;
}

export enum OrderOrderField {
  PLACED_AT = 'PLACED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(OrderOrderField, { name: 'OrderOrderField' });

@InputType({
  description:
    'Default: PLACED_AT DESC (newest first). UPDATED_AT ASC with updatedSince walks every change once.',
})
export class OrderOrder {
  @Field(() => OrderOrderField) field: OrderOrderField;
  @Field(() => SortDirection, { defaultValue: SortDirection.DESC }) direction: SortDirection;
}

@InputType()
export class OrderLineInput {
  @Field() @Length(1, 40) skuCode: string;
  @Field(() => Int) @Min(1) @Max(10000) quantity: number;
}

@InputType()
export class DestinationInput {
  @Field({ nullable: true, description: 'Either a village station, or recipient and address.' })
  @IsOptional()
  @Length(1, 40)
  stationCode?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) recipientName?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 40) recipientPhone?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 300) address?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) city?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) province?: string;
}

@InputType()
export class PlaceOrderInput {
  @Field({
    description:
      'Same key and same input: the same order again, nothing reserved twice. Same key, other input: CONFLICT. Scoped to the merchant.',
  })
  @Length(1, 100)
  idempotencyKey: string;
  @Field({ nullable: true, description: 'Required for ADMIN keys; taken from the key for MERCHANT keys.' })
  @IsOptional()
  @Length(1, 40)
  merchantCode?: string;
  @Field(() => [OrderLineInput], { description: '1 to 100 lines, each SKU at most once.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  lines: OrderLineInput[];
  @Field(() => DestinationInput) @ValidateNested() destination: DestinationInput;
  @Field({ nullable: true, description: 'Preferred carrier; the warehouse may choose another at dispatch.' })
  @IsOptional()
  @Length(1, 40)
  carrierCode?: string;
}

@InputType()
export class DispatchOrderInput {
  @Field({
    nullable: true,
    description: 'Optional: a repeat with the same key returns the order again instead of INVALID_STATE.',
  })
  @IsOptional()
  @Length(1, 100)
  idempotencyKey?: string;
  @Field() @Length(1, 30) number: string;
  @Field() @Length(1, 40) carrierCode: string;
  @Field() @Length(1, 60) trackingNumber: string;
  @Field(() => Int) @Min(1) @Max(1000) parcels: number;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(10_000_000) weightGrams?: number;
}
