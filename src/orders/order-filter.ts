import { SelectQueryBuilder } from 'typeorm';
import { Carrier } from '../catalog/carrier.entity';
import { Merchant } from './merchant.entity';
import { Order } from './order.entity';
import { OrderFilter, OrderOrder, OrderOrderField } from './order.inputs';

export function applyOrderFilter(query: SelectQueryBuilder<Order>, filter: OrderFilter): void {
  const t = query.alias;
  if (filter.status != null) query.andWhere(`${t}.status = :status`, { status: filter.status });
  if (filter.merchantCode != null) {
    query.andWhere(
      (sub) =>
        `${t}.merchant_id IN ${sub.subQuery().select('m.id').from(Merchant, 'm').where('m.code = :merchantCode').getQuery()}`,
      { merchantCode: filter.merchantCode },
    );
  }
  if (filter.carrierCode != null) {
    query.andWhere(
      (sub) =>
        `${t}.carrier_id IN ${sub.subQuery().select('c.id').from(Carrier, 'c').where('c.code = :carrierCode').getQuery()}`,
      { carrierCode: filter.carrierCode },
    );
  }
  if (filter.placedFrom != null)
    query.andWhere(`${t}.placed_at >= :placedFrom`, { placedFrom: filter.placedFrom });
  if (filter.placedTo != null) query.andWhere(`${t}.placed_at < :placedTo`, { placedTo: filter.placedTo });
  if (filter.updatedSince != null)
    query.andWhere(`${t}.updated_at >= :updatedSince`, { updatedSince: filter.updatedSince });
}

/** The column an OrderOrder sorts by (ties broken by id). */
export function orderSortColumn(order: OrderOrder): 'placed_at' | 'updated_at' {
  return order.field === OrderOrderField.UPDATED_AT ? 'updated_at' : 'placed_at';
}

/** An order's value of a sort column as the database compares it (UTC, 'YYYY-MM-DD HH:MM:SS.sss'). */
export function orderSortValue(order: Order, column: string): string {
  const at = column === 'updated_at' ? order.updatedAt : order.placedAt;
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
