import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/**
 * Operation names the metrics label as they are: the queries and mutations of the client kit
 * (examples/operations, which the storefronts, tablets and dashboards are built from; a test keeps this list
 * complete). Any other name is `other` and an unnamed operation `anonymous`, so no client can create new
 * series on the unauthenticated /metrics.
 */
export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set([
  // storefront
  'ProductPage',
  'Checkout',
  'Track',
  'OrderFeed',
  'CreateWebhookEndpoint',
  'WebhookEndpoints',
  'WebhookDeliveries',
  'RedeliverWebhook',
  'DeleteWebhookEndpoint',
  // tablet
  'Receive',
  'Queue',
  'Allocate',
  'Wave',
  'Pick',
  'Dispatch',
  'Delivered',
  'Move',
  'Count',
  'Return',
  // dashboard
  'CountyOffice',
  'CountyDashboard',
  'Catalog',
]);

/** The `operation` label of a request: one of KNOWN_OPERATIONS, `anonymous` or `other`. */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  return KNOWN_OPERATIONS.has(name) ? name : 'other';
}

/** Prometheus metrics of one app instance. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gateway_graphql_requests_total',
    help: 'GraphQL operations',
    labelNames: ['operation'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'gateway_graphql_errors_total',
    help: 'GraphQL errors by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'gateway_graphql_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly poolInUse = new Gauge({
    name: 'gateway_db_pool_in_use',
    help: 'Database connections in use',
    registers: [this.registry],
  });
  readonly poolSize = new Gauge({
    name: 'gateway_db_pool_size',
    help: 'Database connections open',
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retried or failed',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly webhookQueueDepth = new Gauge({
    name: 'gateway_webhook_queue_depth',
    help: 'Webhook deliveries pending (not yet delivered or failed)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
