import { Arg, Authorized, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { LocalDateScalar } from '../graphql/scalars';
import { Lot } from './lot.entity';
import { StockMovement } from './stock-movement.entity';
import { AdjustStockInput, MoveStockInput, ReceiveLotInput } from './stock.inputs';

/**
 * Warehouse mutations: WAREHOUSE and ADMIN. Each clears the request's loaders, since it changed what they
 * hold.
 */
@Resolver()
export class StockOperationsResolver {
  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Lot)
  receiveLot(@Arg('input') input: ReceiveLotInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.stock.receiveLot(principal, input);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Lot)
  moveStock(@Arg('input') input: MoveStockInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.stock.moveStock(principal, input);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => StockMovement, {
    description:
      'A decrease that would leave on-hand below what open orders have reserved is refused with INSUFFICIENT_STOCK.',
  })
  adjustStock(@Arg('input') input: AdjustStockInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.stock.adjustStock(principal, input);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Lot)
  holdLot(
    @Arg('code') code: string,
    @Arg('reason') reason: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.stock.holdLot(principal, code, reason, idempotencyKey);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Lot)
  releaseLot(
    @Arg('code') code: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.stock.releaseLot(principal, code, idempotencyKey);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Int, {
    description:
      'Marks ACTIVE lots past expiry as EXPIRED and writes their units off; returns the units written off. Safe to run again.',
  })
  writeOffExpired(
    @Arg('asOf', () => LocalDateScalar, { nullable: true }) asOf: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.stock.writeOffExpired(principal, asOf ?? undefined);
  }
}
