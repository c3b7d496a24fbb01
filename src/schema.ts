import 'reflect-metadata';
import { GraphQLInterfaceType, GraphQLSchema } from 'graphql';
import { buildSchemaSync, NonEmptyArray } from 'type-graphql';
import { AuthResolver } from './auth/auth.resolver';
import { authChecker } from './auth/auth-checker';
import { FarmResolver } from './catalog/farm.resolver';
import {
  CarrierFiguresResolver,
  DashboardResolver,
  FarmFiguresResolver,
  SkuFiguresResolver,
} from './dashboard/dashboard.resolver';
import { ReferenceResolver } from './catalog/reference.resolver';
import { SkuResolver } from './catalog/sku.resolver';
import { nodeTypeOf } from './graphql/node';
import { readPlainFieldsInline } from './graphql/plain-fields';
import { NodeResolver } from './graphql/node.resolver';
import { DateTimeScalar } from './graphql/scalars';
import { validateArguments } from './graphql/validate-arguments';
import {
  AllocationResolver,
  DestinationResolver,
  MerchantResolver,
  MovementOrderResolver,
  OrderLineResolver,
  OrderResolver,
} from './orders/order.resolver';
import { SubscriptionResolver, unusedPubSub } from './subscriptions/subscription.resolver';
import {
  LotPlacementResolver,
  LotResolver,
  StockLevelResolver,
  StockMovementResolver,
} from './stock/lot.resolver';
import { LotShipmentResolver, LotTraceResolver } from './stock/lot-trace.resolver';
import { StockOperationsResolver } from './stock/stock-operations.resolver';
import { OrderOperationsResolver } from './orders/order-operations.resolver';
import { PickListResolver } from './orders/pick-list.resolver';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './webhooks/webhook.resolver';
import { OrderReturnResolver, OrderReturnsResolver, ReturnLineResolver } from './orders/return.resolver';
import { StockCountResolver } from './stock/stock-count.resolver';

export const resolvers: NonEmptyArray<new (...args: never[]) => unknown> = [
  AuthResolver,
  NodeResolver,
  FarmResolver,
  SkuResolver,
  ReferenceResolver,
  LotResolver,
  LotPlacementResolver,
  StockLevelResolver,
  StockMovementResolver,
  OrderResolver,
  DestinationResolver,
  OrderLineResolver,
  AllocationResolver,
  MerchantResolver,
  MovementOrderResolver,
  DashboardResolver,
  CarrierFiguresResolver,
  FarmFiguresResolver,
  SkuFiguresResolver,
  SubscriptionResolver,
  StockOperationsResolver,
  LotTraceResolver,
  LotShipmentResolver,
  OrderOperationsResolver,
  PickListResolver,
  WebhookEndpointResolver,
  WebhookDeliveryResolver,
  OrderReturnsResolver,
  OrderReturnResolver,
  ReturnLineResolver,
  StockCountResolver,
];

let schema: GraphQLSchema | undefined;

/** The executable schema, built once per process from the resolver classes. */
export function gatewaySchema(): GraphQLSchema {
  if (schema) return schema;
  schema = buildSchemaSync({
    resolvers,
    authChecker,
    pubSub: unusedPubSub,
    validateFn: validateArguments,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
  });
  // type-graphql wraps resolveType in an async function; graphql-jit (src/graphql/compiled-execution.ts)
  // resolves an abstract type at once, so Node's own synchronous rule is put back.
  (schema.getType('Node') as GraphQLInterfaceType).resolveType = nodeTypeOf;
  readPlainFieldsInline(schema);
  return schema;
}
