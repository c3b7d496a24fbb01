import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { farmContactField } from '../auth/access-policy';
import { Context } from '../context';
import { connectionType, ConnectionArgs } from '../graphql/connection';
import { Role } from '../graphql/enums';
import { LotConnection } from '../stock/lot.resolver';
import { LotFilter } from '../stock/stock.inputs';
import { Sku } from './sku.entity';
import { CreateFarmInput, FarmFilter, UpdateFarmInput } from './catalog.inputs';
import { Farm } from './farm.entity';

export const FarmConnection = connectionType(Farm, 'Farm');

@Resolver(() => Farm)
export class FarmResolver {
  @Query(() => Farm, { nullable: true })
  farm(@Arg('code') code: string, @Ctx() { services }: Context) {
    return services.catalog.farmByCode(code);
  }

  @Query(() => FarmConnection)
  farms(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => FarmFilter, { nullable: true }) filter: FarmFilter | null,
    @Ctx() { services }: Context,
  ) {
    return services.catalog.farms(page, filter ?? {});
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Personal data: WAREHOUSE and ADMIN only (FORBIDDEN for others).',
  })
  contactName(@Root() farm: Farm, @Ctx() { principal }: Context) {
    return farmContactField(principal, farm.contactName);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Personal data: WAREHOUSE and ADMIN only (FORBIDDEN for others).',
  })
  phone(@Root() farm: Farm, @Ctx() { principal }: Context) {
    return farmContactField(principal, farm.phone);
  }

  @FieldResolver(() => [Sku], { description: 'SKUs this farm is registered to supply.' })
  skus(@Root() farm: Farm, @Ctx() { loaders }: Context) {
    return loaders.skusByFarm.load(farm.id);
  }

  @FieldResolver(() => LotConnection)
  lots(
    @Root() farm: Farm,
    @Args() page: ConnectionArgs,
    @Arg('filter', () => LotFilter, { nullable: true }) filter: LotFilter | null,
    @Ctx() { loaders }: Context,
  ) {
    return loaders.lotsOf('farm', farm.id, page, filter ?? {});
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Farm)
  createFarm(@Arg('input') input: CreateFarmInput, @Ctx() { services }: Context) {
    return services.catalog.createFarm(input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Farm)
  updateFarm(@Arg('code') code: string, @Arg('input') input: UpdateFarmInput, @Ctx() { services }: Context) {
    return services.catalog.updateFarm(code, input);
  }
}
