import { EntityManager } from 'typeorm';
import { OrderStatus } from '../graphql/enums';
import { invalidState } from '../graphql/errors';
import { execute, sqlInstant } from '../stock/stock-sql';
import { currentTime } from '../time';
import { recordOrderChanged } from '../webhooks/webhook-outbox';
import { OrderEvent } from './order-event.entity';
import { Order } from './order.entity';

/**
 * The order state machine (DESIGN.md rule 5): from each status, the statuses an order may move to.
 * Forward only; CANCELLED only before PICKED; RETURNED once every shipped unit is back.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  [OrderStatus.PLACED]: [OrderStatus.ALLOCATED, OrderStatus.CANCELLED],
  [OrderStatus.ALLOCATED]: [OrderStatus.PICKED, OrderStatus.CANCELLED],
  [OrderStatus.PICKED]: [OrderStatus.DISPATCHED],
  [OrderStatus.DISPATCHED]: [OrderStatus.DELIVERED, OrderStatus.RETURNED],
  [OrderStatus.DELIVERED]: [OrderStatus.RETURNED],
  [OrderStatus.CANCELLED]: [],
  [OrderStatus.RETURNED]: [],
};

/** The statuses from which an order may become `to`, in the order of the enum. */
export function statusesBefore(to: OrderStatus): OrderStatus[] {
  return (Object.keys(ORDER_TRANSITIONS) as OrderStatus[]).filter((from) =>
    ORDER_TRANSITIONS[from].includes(to),
  );
}

/** INVALID_STATE unless an order in `from` may become `to`, saying what was expected and what came. */
export function checkTransition(number: string, from: OrderStatus, to: OrderStatus): void {
  if (ORDER_TRANSITIONS[from].includes(to)) return;
  throw invalidState(
    `Order ${number} is ${from}; it must be ${statusesBefore(to).join(' or ')} to become ${to}`,
  );
}

/** Order columns a transition may set besides status. */
export type TransitionFields = Partial<
  Pick<
    Order,
    | 'carrierId'
    | 'trackingNumber'
    | 'parcels'
    | 'weightGrams'
    | 'dispatchedAt'
    | 'deliveredAt'
    | 'cancelledAt'
    | 'cancelReason'
  >
>;

/**
 * Moves `order` (as read in this transaction) to `to`: checks the table, then one conditional UPDATE from
 * the status read, so of concurrent requests exactly one moves it and the others get INVALID_STATE; writes
 * the OrderEvent. The caller owns the transaction and announces the change after the commit.
 */
export async function transition(
  m: EntityManager,
  order: Order,
  to: OrderStatus,
  change: { fields?: TransitionFields; actor: string; note?: string | null; at?: Date },
): Promise<Order> {
  checkTransition(order.number, order.status, to);
  const fields = change.fields ?? {};
  const entries = Object.entries(fields);
  const set = entries.map(([key]) => `, ${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} = ?`).join('');
  const values = entries.map(([, value]) => (value instanceof Date ? sqlInstant(m, value) : value));
  const updatedAt = currentTime();
  const changed = await execute(
    m,
    `UPDATE orders SET status = ?, updated_at = ?${set} WHERE id = ? AND status = ?`,
    [to, sqlInstant(m, updatedAt), ...values, order.id, order.status],
  );
  if (changed !== 1)
    throw invalidState(`Order ${order.number} was ${order.status} and changed meanwhile; read it again`);
  Object.assign(order, fields, { status: to, updatedAt });
  await m.insert(OrderEvent, {
    orderId: order.id,
    status: to,
    at: change.at ?? currentTime(),
    actor: change.actor,
    note: change.note ?? null,
  });
  await recordOrderChanged(m, order.id);
  return order;
}

/**
 * A change to an order that keeps its status (a partial return): its updatedAt moves, so the change feed
 * (orders by updatedSince) shows the order again.
 */
export async function touchOrder(m: EntityManager, order: Order, updatedAt = currentTime()): Promise<void> {
  await execute(m, 'UPDATE orders SET updated_at = ? WHERE id = ?', [sqlInstant(m, updatedAt), order.id]);
  order.updatedAt = updatedAt;
}
