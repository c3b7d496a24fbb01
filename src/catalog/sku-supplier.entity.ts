import { Entity, Index, PrimaryColumn } from 'typeorm';

/** A farm registered to supply a SKU. */
@Entity('sku_supplier')
@Index(['farmId', 'skuId'])
export class SkuSupplier {
  @PrimaryColumn({ type: 'int' })
  skuId: number;

  @PrimaryColumn({ type: 'int' })
  farmId: number;
}
