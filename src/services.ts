import { DataSource } from 'typeorm';
import { ApiKeyService } from './auth/api-key.service';
import { CatalogService } from './catalog/catalog.service';
import { Config } from './config';
import { DashboardService } from './dashboard/dashboard.service';
import { GatewayEvents, LocalEvents } from './events';
import { OrderService } from './orders/order.service';
import { PickListService } from './orders/pick-list.service';
import { ReturnService } from './orders/return.service';
import { StockCountService } from './stock/stock-count.service';
import { StockService } from './stock/stock.service';
import { Clock, systemClock } from './time';
import { WebhookService } from './webhooks/webhook.service';

/** One instance of each service per app; they hold no request state. */
export interface Services {
  apiKeys: ApiKeyService;
  catalog: CatalogService;
  stock: StockService;
  orders: OrderService;
  pickLists: PickListService;
  returns: ReturnService;
  stockCounts: StockCountService;
  dashboard: DashboardService;
  events: GatewayEvents;
  webhooks: WebhookService;
}

export function createServices(
  dataSource: DataSource,
  config: Config,
  events: GatewayEvents = new LocalEvents(),
  clock: Clock = systemClock,
): Services {
  return {
    events,
    apiKeys: new ApiKeyService(dataSource, config.adminToken, events),
    catalog: new CatalogService(dataSource),
    stock: new StockService(dataSource, events),
    orders: new OrderService(dataSource, events, { merging: config.orderMerging }),
    pickLists: new PickListService(dataSource),
    returns: new ReturnService(dataSource, events),
    stockCounts: new StockCountService(dataSource, events),
    dashboard: new DashboardService(dataSource, events, clock),
    webhooks: new WebhookService(dataSource, config.webhookAllowPrivateUrls),
  };
}
