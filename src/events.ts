import { EventEmitter } from 'node:events';

/** What changed, published only after the transaction that changed it has committed. */
export interface GatewayEvents {
  /** On-hand, reserved or available of these SKUs changed. */
  stockChanged(skuIds: number[]): void;
  /** These orders changed status. */
  orderStatusChanged(orderIds: number[]): void;
  /** Dashboard rollups of these Asia/Shanghai days (YYYY-MM-DD) changed. */
  rollupsChanged(days: string[]): void;
  /** These API keys were revoked. */
  apiKeysRevoked(keyIds: number[]): void;
}

export const STOCK_CHANGED = 'stockChanged';
export const ORDER_STATUS_CHANGED = 'orderStatusChanged';
export const ROLLUPS_CHANGED = 'rollupsChanged';
export const API_KEYS_REVOKED = 'apiKeysRevoked';

/** In-process events: one instance's subscribers hear one instance's changes. */
export class LocalEvents extends EventEmitter implements GatewayEvents {
  stockChanged(skuIds: number[]): void {
    if (skuIds.length) this.emit(STOCK_CHANGED, skuIds);
  }

  orderStatusChanged(orderIds: number[]): void {
    if (orderIds.length) this.emit(ORDER_STATUS_CHANGED, orderIds);
  }

  rollupsChanged(days: string[]): void {
    if (days.length) this.emit(ROLLUPS_CHANGED, days);
  }

  apiKeysRevoked(keyIds: number[]): void {
    if (keyIds.length) this.emit(API_KEYS_REVOKED, keyIds);
  }
}
