import { Role } from '../graphql/enums';
import { forbidden } from '../graphql/errors';
import type { Principal } from './principal';

/**
 * Who may see what: the one home of the read rules, called by every resolver, service and subscription that
 * shows orders, personal data, movements or order events.
 *
 * | what                                        | MERCHANT   | WAREHOUSE | OFFICIAL  | ADMIN |
 * |---------------------------------------------|------------|-----------|-----------|-------|
 * | orders (root, nested, node, movement.order) | own only   | all       | all       | all   |
 * | recipients of an order (name, phone, addr.) | own only   | all       | FORBIDDEN | all   |
 * | farm contacts (contactName, phone)          | FORBIDDEN  | all       | FORBIDDEN | all   |
 * | stock movements, lot traces                 | FORBIDDEN  | all       | all       | all   |
 * | orderStatusChanged                          | own only   | all       | FORBIDDEN | all   |
 * | webhook endpoints and their deliveries      | own only   | NOT_FOUND | NOT_FOUND | all   |
 *
 * A webhook endpoint receives the events its merchant may see (webhook-outbox `receivers`), or every event
 * for an endpoint of no merchant (ADMIN's).
 *
 * An order a merchant may not see does not exist for it: NOT_FOUND or left out, never FORBIDDEN.
 */

/** Roles besides ADMIN that may read the stock ledger and lot traces (for `@Authorized`). */
export const MOVEMENT_READERS = [Role.WAREHOUSE, Role.OFFICIAL];

/**
 * The one merchant whose orders the principal sees, or null when it sees every merchant's. Queries of
 * orders filter by it.
 */
export function ownOrdersOnly(principal: Principal): number | null {
  if (principal.role !== Role.MERCHANT) return null;
  if (principal.merchantId === null) throw new Error(`MERCHANT key ${principal.keyScope} has no merchant`);
  return principal.merchantId;
}

/** May the principal see the orders of this merchant? */
export function maySeeOrdersOf(principal: Principal, merchantId: number): boolean {
  const own = ownOrdersOnly(principal);
  return own === null || own === merchantId;
}

export function maySeeOrder(principal: Principal, order: { merchantId: number }): boolean {
  return maySeeOrdersOf(principal, order.merchantId);
}

/**
 * Recipients' names, phones and addresses of this merchant's orders (null: of every merchant's): the
 * order's merchant, WAREHOUSE and ADMIN.
 */
export function maySeeRecipientsOf(principal: Principal, merchantId: number | null): boolean {
  if (principal.role === Role.ADMIN || principal.role === Role.WAREHOUSE) return true;
  return principal.role === Role.MERCHANT && merchantId !== null && merchantId === principal.merchantId;
}

/** Webhook endpoints and their deliveries: the endpoint's merchant, and ADMIN. */
export function mayManageWebhookEndpoint(
  principal: Principal,
  endpoint: { merchantId: number | null },
): boolean {
  if (principal.role === Role.ADMIN) return true;
  return principal.role === Role.MERCHANT && endpoint.merchantId === principal.merchantId;
}

/** Farm contacts: WAREHOUSE and ADMIN. */
export function maySeeFarmContacts(principal: Principal): boolean {
  return principal.role === Role.ADMIN || principal.role === Role.WAREHOUSE;
}

export function maySeeMovements(principal: Principal): boolean {
  return principal.role === Role.ADMIN || MOVEMENT_READERS.includes(principal.role);
}

/** A recipient field's value, or FORBIDDEN. */
export function recipientField<T>(principal: Principal, order: { merchantId: number }, value: T): T {
  if (!maySeeRecipientsOf(principal, order.merchantId)) {
    throw forbidden("Recipient details are personal data: the order's merchant, WAREHOUSE and ADMIN only");
  }
  return value;
}

/** A farm contact field's value, or FORBIDDEN. */
export function farmContactField<T>(principal: Principal, value: T): T {
  if (!maySeeFarmContacts(principal)) {
    throw forbidden('Farm contacts are personal data: WAREHOUSE and ADMIN only');
  }
  return value;
}

/**
 * Which order status changes a subscriber hears: a merchant its own (its id), WAREHOUSE and ADMIN all
 * (null). OFFICIAL keys follow no orders: FORBIDDEN.
 */
export function followedOrders(principal: Principal): number | null {
  if (principal.role === Role.OFFICIAL) {
    throw forbidden(`A ${principal.role} key may not follow orders; it needs MERCHANT, WAREHOUSE or ADMIN`);
  }
  return ownOrdersOnly(principal);
}
