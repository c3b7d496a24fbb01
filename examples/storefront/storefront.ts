import {
  CreateWebhookEndpointDocument,
  ProductPageDocument,
  type PlaceOrderInput,
} from '../generated/graphql';
import { catchUp, FeedPosition } from './catch-up';
import { checkout, CheckoutOptions } from './checkout';
import { Gateway, GatewayOptions } from './gateway';
import { WebhookEvent, WebhookReceiver } from './webhooks';

/** What the storefront knows of one of its orders. */
export interface KnownOrder {
  number: string;
  status: string;
  updatedAt: string;
}

/**
 * A storefront backend in a few dozen lines: reads stock for a product page, places orders with a
 * retry-safe key, follows its orders through signed webhooks, and catches up through the change feed after
 * an outage. Both ways in keep only the newest state of each order (by updatedAt), so hearing a change
 * twice, by webhook and by the feed, changes nothing.
 */
export class Storefront {
  readonly gateway: Gateway;
  readonly orders = new Map<string, KnownOrder>();
  /** Every order state heard, and where from, in order. */
  readonly heard: (KnownOrder & { via: 'checkout' | 'webhook' | 'feed' })[] = [];
  receiver: WebhookReceiver | null = null;
  feed: FeedPosition;

  constructor(options: GatewayOptions, startFeedAt = new Date().toISOString()) {
    this.gateway = new Gateway(options);
    this.feed = { since: startFeedAt, after: null };
  }

  /**
   * Listens for webhooks and registers the endpoint. `publicUrl` maps the local URL to the one the gateway
   * calls (behind a proxy or a tunnel).
   */
  async listenForWebhooks(port = 0, host = '127.0.0.1', publicUrl = (local: string) => local) {
    const receiver = new WebhookReceiver('', { onEvent: (event) => this.onWebhook(event) });
    const url = publicUrl(await receiver.listen(port, host));
    const { createWebhookEndpoint } = await this.gateway.request(CreateWebhookEndpointDocument, {
      input: { url, events: ['ORDER_STATUS_CHANGED', 'STOCK_LOW'] },
    });
    // Shown once: a real storefront keeps it in its secret store.
    receiver.secret = createWebhookEndpoint.secret;
    this.receiver = receiver;
    return createWebhookEndpoint.endpoint;
  }

  async stopWebhooks() {
    await this.receiver?.close();
  }

  async productPage(skuCodes: string[]) {
    return (await this.gateway.request(ProductPageDocument, { skuCodes })).stockLevels;
  }

  async placeOrder(order: Omit<PlaceOrderInput, 'idempotencyKey'>, options?: CheckoutOptions) {
    const placed = await checkout(this.gateway, order, options);
    this.take(placed, 'checkout');
    return placed;
  }

  /** Reads the feed from where the storefront left it. */
  async catchUp() {
    this.feed = await catchUp(this.gateway, this.feed, (order) => this.take(order, 'feed'));
    return this.feed;
  }

  private onWebhook(event: WebhookEvent) {
    if (event.type === 'ORDER_STATUS_CHANGED') this.take(event.data.order, 'webhook');
  }

  /** Keeps the newest state of an order; an older one, or the same one again, is ignored. */
  private take(order: KnownOrder, via: 'checkout' | 'webhook' | 'feed') {
    const state = { number: order.number, status: order.status, updatedAt: order.updatedAt };
    this.heard.push({ ...state, via });
    const known = this.orders.get(order.number);
    const age = known ? Date.parse(order.updatedAt) - Date.parse(known.updatedAt) : 1;
    if (age < 0 || (age === 0 && known?.status === order.status)) return;
    this.orders.set(order.number, state);
  }
}
