import { DataSource } from 'typeorm';
import { Principal } from '../auth/principal';
import { Connection, ConnectionArgs, paginate } from '../graphql/connection';
import { Role } from '../graphql/enums';
import { applyOrderFilter } from './order-filter';
import { Order } from './order.entity';
import { OrderFilter } from './order.inputs';

/** Merchants' orders; a merchant only ever sees its own. */
export class OrderService {
  constructor(private readonly dataSource: DataSource) {}

  /** The order, or null when it does not exist or the caller may not see it. */
  async orderByNumber(principal: Principal, number: string): Promise<Order | null> {
    const order = await this.dataSource.getRepository(Order).findOneBy({ number });
    return order && canSee(principal, order) ? order : null;
  }

  /** Newest first. */
  orders(principal: Principal, args: ConnectionArgs, filter: OrderFilter = {}): Promise<Connection<Order>> {
    const query = this.dataSource.getRepository(Order).createQueryBuilder('o');
    applyOrderFilter(query, filter);
    if (principal.role === Role.MERCHANT) query.andWhere('o.merchant_id = :own', { own: principal.merchantId });
    return paginate(query, args, null, 'DESC');
  }
}

export function canSee(principal: Principal, order: Order): boolean {
  return principal.role !== Role.MERCHANT || order.merchantId === principal.merchantId;
}
