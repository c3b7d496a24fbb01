import { registerEnumType } from 'type-graphql';

export enum WebhookEventType {
  ORDER_STATUS_CHANGED = 'ORDER_STATUS_CHANGED',
  STOCK_LOW = 'STOCK_LOW',
  LOT_HELD = 'LOT_HELD',
}

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  valuesConfig: {
    ORDER_STATUS_CHANGED: { description: 'Any status change of an order the endpoint may see.' },
    STOCK_LOW: { description: "A SKU's StockLevel.isLow turns true." },
    LOT_HELD: { description: 'A lot is put on hold (quality or recall).' },
  },
});
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    PENDING: { description: 'Not yet accepted by the endpoint; retried with backoff.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    FAILED: { description: 'Retries gave up (24 hours after the event); redeliverWebhook sends it again.' },
  },
});
