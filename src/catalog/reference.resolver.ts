import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Context } from '../context';
import { Role, StorageZone } from '../graphql/enums';
import { LotPlacement } from '../stock/lot-placement.entity';
import { Carrier } from './carrier.entity';
import { CreateCarrierInput, CreateLocationInput, CreateVillageStationInput } from './catalog.inputs';
import { Location } from './location.entity';
import { VillageStation } from './village-station.entity';

/** Bins, carriers and village stations. */
@Resolver(() => Location)
export class ReferenceResolver {
  @Query(() => [Location])
  locations(
    @Arg('zone', () => StorageZone, { nullable: true }) zone: StorageZone | null,
    @Ctx() { services }: Context,
  ) {
    return services.catalog.locations(zone);
  }

  @Query(() => [Carrier])
  carriers(@Ctx() { services }: Context) {
    return services.catalog.carriers();
  }

  @Query(() => [VillageStation])
  villageStations(@Ctx() { services }: Context) {
    return services.catalog.villageStations();
  }

  @FieldResolver(() => [LotPlacement])
  placements(@Root() location: Location, @Ctx() { loaders }: Context) {
    return loaders.placementsByLocation.load(location.id).then((rows) => rows.filter((p) => p.quantity > 0));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Location)
  createLocation(@Arg('input') input: CreateLocationInput, @Ctx() { services }: Context) {
    return services.catalog.createLocation(input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Carrier)
  createCarrier(@Arg('input') input: CreateCarrierInput, @Ctx() { services }: Context) {
    return services.catalog.createCarrier(input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => VillageStation)
  createVillageStation(@Arg('input') input: CreateVillageStationInput, @Ctx() { services }: Context) {
    return services.catalog.createVillageStation(input);
  }
}
