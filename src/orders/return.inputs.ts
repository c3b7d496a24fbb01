import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Max, Min, ValidateNested } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { ReturnCondition } from '../graphql/enums';

@InputType()
export class ReturnLineInput {
  @Field() @Length(1, 40) skuCode: string;
  @Field(() => Int) @Min(1) @Max(10000) quantity: number;
  @Field(() => ReturnCondition) condition: ReturnCondition;
}

@InputType()
export class ReturnOrderInput {
  @Field({ description: 'A repeat with the same key returns nothing again.' })
  @Length(1, 100)
  idempotencyKey: string;
  @Field() @Length(1, 30) number: string;
  @Field(() => [ReturnLineInput], {
    description:
      '1 to 100 lines, each SKU at most once, at most what was shipped of it less what came back before.',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  lines: ReturnLineInput[];
  @Field({
    nullable: true,
    description:
      "Where RESALEABLE units are put; required when a line is RESALEABLE, and in the SKU's storage zone.",
  })
  @IsOptional()
  @Length(1, 40)
  locationCode?: string;
  @Field() @Length(1, 300) reason: string;
}
