import { DataSource, In } from 'typeorm';
import { OrderStatus } from '../graphql/enums';
import { badInput } from '../graphql/errors';
import { Order } from './order.entity';
import { PickList, PickListLine, PickListOrder } from './pick-list.type';

/** Pick lists: the route through the bins for a wave of allocated orders. Reads only. */
export class PickListService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One line per bin and lot holding allocations of these ALLOCATED orders, in bin-code order (then
   * first-expiring lot), with the units of each order. Two statements whatever the number of orders.
   */
  async pickList(orderNumbers: string[]): Promise<PickList> {
    const seen = new Map<string, number>();
    orderNumbers.forEach((number, i) => {
      if (seen.has(number))
        throw badInput(
          `orderNumbers.${i}`,
          `${number} appears more than once (first at orderNumbers.${seen.get(number)}); list each order once`,
        );
      seen.set(number, i);
    });
    const found = await this.dataSource.getRepository(Order).findBy({ number: In(orderNumbers) });
    const byNumber = new Map(found.map((order) => [order.number, order]));
    const orders = orderNumbers.map((number, i) => {
      const order = byNumber.get(number);
      if (!order) throw badInput(`orderNumbers.${i}`, `Order ${number} was not found`);
      if (order.status !== OrderStatus.ALLOCATED)
        throw badInput(
          `orderNumbers.${i}`,
          `Order ${number} is ${order.status}; a pick list takes ALLOCATED orders only`,
        );
      return order;
    });
    const rows: {
      order_id: number | string;
      lot_id: number | string;
      location_id: number | string;
      sku_id: number | string;
      quantity: number | string;
    }[] = await this.dataSource.query(
      `SELECT a.order_id AS order_id, a.lot_id AS lot_id, a.location_id AS location_id, l.sku_id AS sku_id,
              SUM(a.quantity) AS quantity
         FROM allocation a JOIN lot l ON l.id = a.lot_id JOIN location loc ON loc.id = a.location_id
        WHERE a.order_id IN (${orders.map(() => '?').join(', ')})
        GROUP BY a.order_id, a.lot_id, a.location_id, l.sku_id, loc.code, l.expires_on, l.code
        ORDER BY loc.code, l.expires_on, l.code, a.order_id`,
      orders.map((order) => order.id),
    );
    const position = new Map(orders.map((order, i) => [order.id, i]));
    const orderById = new Map(orders.map((order) => [order.id, order]));
    const lines: PickListLine[] = [];
    let totalUnits = 0;
    for (const row of rows) {
      const lotId = Number(row.lot_id);
      const locationId = Number(row.location_id);
      const quantity = Number(row.quantity);
      let line = lines[lines.length - 1];
      if (!line || line.lotId !== lotId || line.locationId !== locationId) {
        line = Object.assign(new PickListLine(), {
          locationId,
          lotId,
          skuId: Number(row.sku_id),
          quantity: 0,
          orders: [],
        });
        lines.push(line);
      }
      line.quantity += quantity;
      line.orders.push(
        Object.assign(new PickListOrder(), { order: orderById.get(Number(row.order_id))!, quantity }),
      );
      totalUnits += quantity;
    }
    for (const line of lines)
      line.orders.sort((a, b) => position.get(a.order.id)! - position.get(b.order.id)!);
    return Object.assign(new PickList(), { lines, orders, totalUnits });
  }
}
