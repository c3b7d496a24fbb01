import { OrderFeedDocument, type OrderFeedQuery } from '../generated/graphql';
import { Gateway } from './gateway';

export type FeedOrder = OrderFeedQuery['orders']['edges'][number]['node'];

/** Where the storefront is in the change feed; store it after every page. */
export interface FeedPosition {
  /** The updatedAt of the last change handled. */
  since: string;
  /** The cursor of that change: orders that changed in the same millisecond are told apart by id. */
  after: string | null;
}

/**
 * Reads every order change after `position`, oldest first, and hands each to `onOrder`; returns the new
 * position (also given to `save` after each page). An order that changes again while the loop runs comes
 * again later in the feed, with its new updatedAt. Run it on start, after a webhook outage, or every few
 * minutes as a safety net.
 */
export async function catchUp(
  gateway: Gateway,
  position: FeedPosition,
  onOrder: (order: FeedOrder) => Promise<void> | void,
  save: (position: FeedPosition) => Promise<void> | void = () => undefined,
): Promise<FeedPosition> {
  let { since, after } = position;
  for (;;) {
    const { orders } = await gateway.request(OrderFeedDocument, { since, after, first: 100 });
    for (const { cursor, node } of orders.edges) {
      await onOrder(node);
      since = node.updatedAt;
      after = cursor;
    }
    await save({ since, after });
    if (!orders.pageInfo.hasNextPage) return { since, after };
  }
}
