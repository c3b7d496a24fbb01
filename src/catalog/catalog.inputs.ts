import { ArrayMaxSize, IsOptional, Length, Matches, Max, Min, MaxLength, IsUrl } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { SalesPlatform, SkuCategory, StorageZone } from '../graphql/enums';
import { DecimalScalar } from '../graphql/scalars';
import { CODE_MESSAGE, CODE_PATTERN, PRICE_MESSAGE, PRICE_PATTERN } from '../graphql/validation';

const PHONE = /^\+?[0-9][0-9 -]{5,19}$/;

@InputType()
export class CreateFarmInput {
  @Field() @Matches(CODE_PATTERN, { message: CODE_MESSAGE }) code: string;
  @Field() @Length(1, 120) name: string;
  @Field() @Length(1, 80) village: string;
  @Field() @Length(1, 80) township: string;
  @Field() @Length(1, 80) county: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) contactName?: string;
  @Field({ nullable: true })
  @IsOptional()
  @Matches(PHONE, { message: '$property must be a phone number of 6 to 20 digits' })
  phone?: string;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 80, { each: true })
  certifications?: string[];
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(200)
  @Matches(CODE_PATTERN, { each: true, message: CODE_MESSAGE })
  skuCodes?: string[];
}

@InputType()
export class UpdateFarmInput {
  @Field({ nullable: true }) @IsOptional() @Length(1, 120) name?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) village?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) township?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) county?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 80) contactName?: string;
  @Field({ nullable: true })
  @IsOptional()
  @Matches(PHONE, { message: '$property must be a phone number of 6 to 20 digits' })
  phone?: string;
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20)
  @Length(1, 80, { each: true })
  certifications?: string[];
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(200)
  @Matches(CODE_PATTERN, { each: true, message: CODE_MESSAGE })
  skuCodes?: string[];
  @Field({ nullable: true }) @IsOptional() active?: boolean;
}

@InputType()
export class CreateSkuInput {
  @Field() @Matches(CODE_PATTERN, { message: CODE_MESSAGE }) code: string;
  @Field() @Length(1, 120) name: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 120) localName?: string;
  @Field(() => SkuCategory) category: SkuCategory;
  @Field() @Length(1, 40) unit: string;
  @Field(() => Int) @Min(1) @Max(1_000_000) unitWeightGrams: number;
  @Field(() => StorageZone) storageZone: StorageZone;
  @Field(() => Int) @Min(1) @Max(3650) shelfLifeDays: number;
  @Field(() => DecimalScalar, { description: 'Yuan with at most two decimals, >= 0.' })
  @Matches(PRICE_PATTERN, { message: PRICE_MESSAGE })
  price: string;
  @Field({ nullable: true }) @IsOptional() heritage?: boolean;
  @Field({ nullable: true }) @IsOptional() @Length(1, 120) geographicalIndication?: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(1_000_000) lowStockThreshold?: number;
}

@InputType()
export class UpdateSkuInput {
  @Field({ nullable: true }) @IsOptional() @Length(1, 120) name?: string;
  @Field({ nullable: true }) @IsOptional() @Length(1, 120) localName?: string;
  @Field(() => SkuCategory, { nullable: true }) @IsOptional() category?: SkuCategory;
  @Field({ nullable: true }) @IsOptional() @Length(1, 40) unit?: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(1_000_000) unitWeightGrams?: number;
  @Field(() => StorageZone, { nullable: true }) @IsOptional() storageZone?: StorageZone;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(3650) shelfLifeDays?: number;
  @Field(() => DecimalScalar, { nullable: true })
  @IsOptional()
  @Matches(PRICE_PATTERN, { message: PRICE_MESSAGE })
  price?: string;
  @Field({ nullable: true }) @IsOptional() heritage?: boolean;
  @Field({ nullable: true }) @IsOptional() @Length(1, 120) geographicalIndication?: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(1_000_000) lowStockThreshold?: number;
  @Field({ nullable: true }) @IsOptional() active?: boolean;
}

@InputType()
export class CreateMerchantInput {
  @Field() @Matches(CODE_PATTERN, { message: CODE_MESSAGE }) code: string;
  @Field() @Length(1, 120) name: string;
  @Field() @Length(1, 80) village: string;
  @Field(() => SalesPlatform) platform: SalesPlatform;
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(300)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  storefrontUrl?: string;
}

@InputType()
export class CreateLocationInput {
  @Field() @Matches(CODE_PATTERN, { message: CODE_MESSAGE }) code: string;
  @Field(() => StorageZone) zone: StorageZone;
}

@InputType()
export class CreateCarrierInput {
  @Field() @Matches(CODE_PATTERN, { message: CODE_MESSAGE }) code: string;
  @Field() @Length(1, 80) name: string;
}

@InputType()
export class CreateVillageStationInput {
  @Field() @Matches(CODE_PATTERN, { message: CODE_MESSAGE }) code: string;
  @Field() @Length(1, 80) name: string;
  @Field() @Length(1, 80) village: string;
  @Field() @Length(1, 80) township: string;
}

@InputType()
export class FarmFilter {
  @Field({ nullable: true }) @IsOptional() @MaxLength(80) village?: string;
  @Field({ nullable: true }) @IsOptional() @MaxLength(80) township?: string;
  @Field({ nullable: true }) active?: boolean;
  @Field({ nullable: true, description: 'Case-insensitive match on code or name.' })
  @IsOptional()
  @MaxLength(120)
  search?: string;
}

@InputType()
export class SkuFilter {
  @Field(() => SkuCategory, { nullable: true }) category?: SkuCategory;
  @Field(() => StorageZone, { nullable: true }) storageZone?: StorageZone;
  @Field({ nullable: true }) heritage?: boolean;
  @Field({ nullable: true }) active?: boolean;
  @Field({ nullable: true }) @IsOptional() @MaxLength(40) supplierFarmCode?: string;
  @Field({ nullable: true, description: 'Only SKUs whose StockLevel.isLow is true.' }) lowStock?: boolean;
  @Field({ nullable: true, description: 'Case-insensitive match on code, name or localName.' })
  @IsOptional()
  @MaxLength(120)
  search?: string;
}
