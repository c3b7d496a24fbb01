import { Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { Lot } from '../stock/lot.entity';
import { PickList, PickListArgs, PickListLine } from './pick-list.type';

@Resolver(() => PickListLine)
export class PickListResolver {
  @Authorized(Role.WAREHOUSE)
  @Query(() => PickList, {
    description:
      'WAREHOUSE and ADMIN: the route for picking these ALLOCATED orders together. 1 to 100 orders; a number that is unknown or not ALLOCATED is BAD_USER_INPUT naming it.',
  })
  pickList(@Args() { orderNumbers }: PickListArgs, @Ctx() { services }: Context) {
    return services.pickLists.pickList(orderNumbers);
  }

  @FieldResolver(() => Location)
  location(@Root() line: PickListLine, @Ctx() { loaders }: Context) {
    return loaders.location.load(line.locationId);
  }

  @FieldResolver(() => Lot)
  lot(@Root() line: PickListLine, @Ctx() { loaders }: Context) {
    return loaders.lot.load(line.lotId);
  }

  @FieldResolver(() => Sku)
  sku(@Root() line: PickListLine, @Ctx() { loaders }: Context) {
    return loaders.sku.load(line.skuId);
  }
}
