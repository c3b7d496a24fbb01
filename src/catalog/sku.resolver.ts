import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  InputType,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Context } from '../context';
import { connectionType, ConnectionArgs } from '../graphql/connection';
import { badInput } from '../graphql/errors';
import { Role, SkuOrderField, SortDirection } from '../graphql/enums';
import { LotConnection } from '../stock/lot.resolver';
import { StockLevel } from '../stock/stock-level.entity';
import { LotFilter } from '../stock/stock.inputs';
import { CreateSkuInput, SkuFilter, UpdateSkuInput } from './catalog.inputs';
import { Farm } from './farm.entity';
import { Sku } from './sku.entity';

export const SkuConnection = connectionType(Sku, 'Sku');
export const MAX_STOCK_LEVEL_CODES = 250;

@InputType()
export class SkuOrder {
  @Field(() => SkuOrderField) field: SkuOrderField;
  @Field(() => SortDirection, { defaultValue: SortDirection.ASC }) direction: SortDirection;
}

@Resolver(() => Sku)
export class SkuResolver {
  @Query(() => Sku, { nullable: true })
  sku(@Arg('code') code: string, @Ctx() { services }: Context) {
    return services.catalog.skuByCode(code);
  }

  @Query(() => SkuConnection)
  skus(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => SkuFilter, { nullable: true }) filter: SkuFilter | null,
    @Arg('orderBy', () => SkuOrder, { nullable: true }) orderBy: SkuOrder | null,
    @Ctx() { services }: Context,
  ) {
    return services.catalog.skus(page, filter ?? {}, orderBy ?? undefined);
  }

  @Query(() => [StockLevel], {
    nullable: 'items',
    description:
      'Batch lookup for storefronts: one entry per code, in the order given, null for an unknown code. At most 250 codes.',
  })
  async stockLevels(
    @Arg('skuCodes', () => [String]) skuCodes: string[],
    @Ctx() { services, loaders }: Context,
  ) {
    if (skuCodes.length > MAX_STOCK_LEVEL_CODES) {
      throw badInput(
        'skuCodes',
        `skuCodes takes at most ${MAX_STOCK_LEVEL_CODES} codes, got ${skuCodes.length}`,
      );
    }
    const skus = await services.catalog.skusByCodes([...new Set(skuCodes)]);
    const idByCode = new Map(skus.map((s) => [s.code, s.id]));
    for (const sku of skus) loaders.sku.prime(sku.id, sku);
    return Promise.all(
      skuCodes.map((code) => {
        const id = idByCode.get(code);
        return id === undefined ? null : loaders.stockLevel.load(id);
      }),
    );
  }

  @FieldResolver(() => [Farm])
  suppliers(@Root() sku: Sku, @Ctx() { loaders }: Context) {
    return loaders.suppliersBySku.load(sku.id);
  }

  @FieldResolver(() => StockLevel)
  stock(@Root() sku: Sku, @Ctx() { loaders }: Context) {
    return loaders.stockLevel.load(sku.id);
  }

  @FieldResolver(() => LotConnection)
  lots(
    @Root() sku: Sku,
    @Args() page: ConnectionArgs,
    @Arg('filter', () => LotFilter, { nullable: true }) filter: LotFilter | null,
    @Ctx() { loaders }: Context,
  ) {
    return loaders.lotsOf('sku', sku.id, page, filter ?? {});
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Sku)
  createSku(@Arg('input') input: CreateSkuInput, @Ctx() { services }: Context) {
    return services.catalog.createSku(input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Sku)
  updateSku(@Arg('code') code: string, @Arg('input') input: UpdateSkuInput, @Ctx() { services }: Context) {
    return services.catalog.updateSku(code, input);
  }
}
