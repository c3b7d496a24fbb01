import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Sku } from '../catalog/sku.entity';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { StockMovement } from '../stock/stock-movement.entity';
import { OrderReturn } from './order-return.entity';
import { Order } from './order.entity';
import { ReturnLine } from './return-line.entity';
import { ReturnOrderInput } from './return.inputs';

@Resolver(() => Order)
export class OrderReturnsResolver {
  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Order, {
    description:
      'DISPATCHED or DELIVERED: units come back. RESALEABLE units re-enter their lots (RETURN movements); the order becomes RETURNED when every shipped unit is back.',
  })
  returnOrder(@Arg('input') input: ReturnOrderInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.returns.returnOrder(principal, input);
  }

  @FieldResolver(() => [OrderReturn], { description: 'Returns recorded against this order, oldest first.' })
  returns(@Root() order: Order, @Ctx() { loaders }: Context) {
    return loaders.returnsByOrder.load(order.id);
  }
}

@Resolver(() => OrderReturn)
export class OrderReturnResolver {
  @FieldResolver(() => [ReturnLine])
  lines(@Root() orderReturn: OrderReturn, @Ctx() { loaders }: Context) {
    return loaders.linesByReturn.load(orderReturn.id);
  }
}

@Resolver(() => ReturnLine)
export class ReturnLineResolver {
  @FieldResolver(() => Sku)
  sku(@Root() line: ReturnLine, @Ctx() { loaders }: Context) {
    return loaders.sku.load(line.skuId);
  }

  @FieldResolver(() => [StockMovement], {
    description: 'The RETURN movements of RESALEABLE units (one per lot they went back to).',
  })
  movements(@Root() line: ReturnLine, @Ctx() { loaders }: Context) {
    return loaders.movementsByReturnLine.load(line.id);
  }
}
