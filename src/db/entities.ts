import { ApiKey } from '../auth/api-key.entity';
import { Carrier } from '../catalog/carrier.entity';
import { Farm } from '../catalog/farm.entity';
import { DailySalesByCarrier } from '../dashboard/daily-sales-by-carrier.entity';
import { DailySalesByFarm } from '../dashboard/daily-sales-by-farm.entity';
import { DailySalesByMerchant } from '../dashboard/daily-sales-by-merchant.entity';
import { DailySalesBySku } from '../dashboard/daily-sales-by-sku.entity';
import { DailySales } from '../dashboard/daily-sales.entity';
import { MonthlySalesByFarm } from '../dashboard/monthly-sales-by-farm.entity';
import { MonthlySalesByMerchant } from '../dashboard/monthly-sales-by-merchant.entity';
import { MonthlySalesBySku } from '../dashboard/monthly-sales-by-sku.entity';
import { Location } from '../catalog/location.entity';
import { SkuSupplier } from '../catalog/sku-supplier.entity';
import { Sku } from '../catalog/sku.entity';
import { VillageStation } from '../catalog/village-station.entity';
import { IdempotencyRecord } from '../idempotency/idempotency-record.entity';
import { Allocation } from '../orders/allocation.entity';
import { IdBlock } from '../orders/id-block.entity';
import { Merchant } from '../orders/merchant.entity';
import { OrderEvent } from '../orders/order-event.entity';
import { OrderLine } from '../orders/order-line.entity';
import { Order } from '../orders/order.entity';
import { OrderReturn } from '../orders/order-return.entity';
import { ReturnLine } from '../orders/return-line.entity';
import { LotPlacement } from '../stock/lot-placement.entity';
import { Lot } from '../stock/lot.entity';
import { StockCount } from '../stock/stock-count.entity';
import { StockLevel } from '../stock/stock-level.entity';
import { StockMovement } from '../stock/stock-movement.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity';

export const entities = [
  ApiKey,
  IdempotencyRecord,
  Carrier,
  Farm,
  Location,
  Sku,
  SkuSupplier,
  VillageStation,
  Allocation,
  IdBlock,
  Merchant,
  Order,
  OrderEvent,
  OrderLine,
  OrderReturn,
  ReturnLine,
  Lot,
  LotPlacement,
  StockCount,
  StockLevel,
  StockMovement,
  DailySales,
  DailySalesByCarrier,
  DailySalesByMerchant,
  MonthlySalesByMerchant,
  DailySalesBySku,
  MonthlySalesBySku,
  DailySalesByFarm,
  MonthlySalesByFarm,
  WebhookEndpoint,
  WebhookDelivery,
];
