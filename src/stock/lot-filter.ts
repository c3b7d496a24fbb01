import { SelectQueryBuilder } from 'typeorm';
import { Farm } from '../catalog/farm.entity';
import { Sku } from '../catalog/sku.entity';
import { LotStatus } from '../graphql/enums';
import { shanghaiToday } from '../time';
import { Lot } from './lot.entity';
import { LotFilter } from './stock.inputs';

/** Applies a LotFilter; `status` means the status a reader sees (Lot.effectiveStatus), not the stored one. */
export function applyLotFilter(query: SelectQueryBuilder<Lot>, filter: LotFilter): void {
  const t = query.alias;
  if (filter.skuCode != null) {
    query.andWhere(
      (sub) =>
        `${t}.sku_id IN ${sub.subQuery().select('s.id').from(Sku, 's').where('s.code = :lotSkuCode').getQuery()}`,
      { lotSkuCode: filter.skuCode },
    );
  }
  if (filter.farmCode != null) {
    query.andWhere(
      (sub) =>
        `${t}.farm_id IN ${sub.subQuery().select('f.id').from(Farm, 'f').where('f.code = :lotFarmCode').getQuery()}`,
      { lotFarmCode: filter.farmCode },
    );
  }
  if (filter.expiresBefore != null)
    query.andWhere(`${t}.expires_on < :expiresBefore`, { expiresBefore: filter.expiresBefore });
  const today = shanghaiToday();
  switch (filter.status) {
    case LotStatus.ACTIVE:
      query.andWhere(`${t}.status = 'ACTIVE' AND ${t}.expires_on >= :today AND ${t}.quantity_on_hand > 0`, {
        today,
      });
      break;
    case LotStatus.EXPIRED:
      query.andWhere(`(${t}.status = 'EXPIRED' OR (${t}.status = 'ACTIVE' AND ${t}.expires_on < :today))`, {
        today,
      });
      break;
    case LotStatus.DEPLETED:
      query.andWhere(
        `(${t}.status = 'DEPLETED' OR (${t}.status = 'ACTIVE' AND ${t}.quantity_on_hand = 0 AND ${t}.expires_on >= :today))`,
        { today },
      );
      break;
    case LotStatus.HELD:
      query.andWhere(`${t}.status = 'HELD'`);
      break;
  }
}
