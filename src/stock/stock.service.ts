import { DataSource } from 'typeorm';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { Connection, ConnectionArgs, paginate } from '../graphql/connection';
import { applyLotFilter } from './lot-filter';
import { Lot } from './lot.entity';
import { StockMovement } from './stock-movement.entity';
import { LotFilter, MovementFilter } from './stock.inputs';

/** Lots, bins and the stock ledger. */
export class StockService {
  constructor(private readonly dataSource: DataSource) {}

  lotByCode(code: string): Promise<Lot | null> {
    return this.dataSource.getRepository(Lot).findOneBy({ code });
  }

  lots(args: ConnectionArgs, filter: LotFilter = {}): Promise<Connection<Lot>> {
    const query = this.dataSource.getRepository(Lot).createQueryBuilder('lot');
    applyLotFilter(query, filter);
    return paginate(query, args);
  }

  /** The ledger, newest first. */
  movements(args: ConnectionArgs, filter: MovementFilter = {}): Promise<Connection<StockMovement>> {
    const query = this.dataSource.getRepository(StockMovement).createQueryBuilder('movement');
    if (filter.skuCode != null) {
      query.andWhere((sub) => `movement.sku_id IN ${sub.subQuery().select('s.id').from(Sku, 's').where('s.code = :skuCode').getQuery()}`,
        { skuCode: filter.skuCode });
    }
    if (filter.lotCode != null) {
      query.andWhere((sub) => `movement.lot_id IN ${sub.subQuery().select('l.id').from(Lot, 'l').where('l.code = :lotCode').getQuery()}`,
        { lotCode: filter.lotCode });
    }
    if (filter.type != null) query.andWhere('movement.type = :type', { type: filter.type });
    if (filter.from != null) query.andWhere('movement.occurred_at >= :from', { from: filter.from });
    if (filter.to != null) query.andWhere('movement.occurred_at < :to', { to: filter.to });
    return paginate(query, args, null, 'DESC');
  }

  locationByCode(code: string): Promise<Location | null> {
    return this.dataSource.getRepository(Location).findOneBy({ code });
  }
}
