import { SelectQueryBuilder } from 'typeorm';
import { Carrier } from '../catalog/carrier.entity';
import { Merchant } from './merchant.entity';
import { Order } from './order.entity';
import { OrderFilter } from './order.inputs';

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
}
