import { registerEnumType } from 'type-graphql';

export enum Role {
  MERCHANT = 'MERCHANT',
  WAREHOUSE = 'WAREHOUSE',
  OFFICIAL = 'OFFICIAL',
  ADMIN = 'ADMIN',
}
export enum StorageZone {
  AMBIENT = 'AMBIENT',
  CHILLED = 'CHILLED',
  FROZEN = 'FROZEN',
}
export enum SkuCategory {
  GRAIN = 'GRAIN',
  FRUIT = 'FRUIT',
  VEGETABLE = 'VEGETABLE',
  MUSHROOM = 'MUSHROOM',
  HERB = 'HERB',
  NUT = 'NUT',
  MEAT_EGG = 'MEAT_EGG',
  PROCESSED = 'PROCESSED',
  HANDICRAFT = 'HANDICRAFT',
}
export enum SalesPlatform {
  TAOBAO = 'TAOBAO',
  DOUYIN = 'DOUYIN',
  KUAISHOU = 'KUAISHOU',
  WECHAT = 'WECHAT',
  PINDUODUO = 'PINDUODUO',
  OTHER = 'OTHER',
}
export enum LotStatus {
  ACTIVE = 'ACTIVE',
  HELD = 'HELD',
  EXPIRED = 'EXPIRED',
  DEPLETED = 'DEPLETED',
}
export enum OrderStatus {
  PLACED = 'PLACED',
  ALLOCATED = 'ALLOCATED',
  PICKED = 'PICKED',
  DISPATCHED = 'DISPATCHED',
  DELIVERED = 'DELIVERED',
  CANCELLED = 'CANCELLED',
  RETURNED = 'RETURNED',
}
export enum MovementType {
  RECEIPT = 'RECEIPT',
  PICK = 'PICK',
  ADJUSTMENT = 'ADJUSTMENT',
  EXPIRY = 'EXPIRY',
  TRANSFER = 'TRANSFER',
  RETURN = 'RETURN',
}
export enum AdjustmentReason {
  COUNT_CORRECTION = 'COUNT_CORRECTION',
  DAMAGE = 'DAMAGE',
  SPOILAGE = 'SPOILAGE',
  FOUND = 'FOUND',
}
export enum ReturnCondition {
  RESALEABLE = 'RESALEABLE',
  DAMAGED = 'DAMAGED',
}
export enum SkuOrderField {
  CODE = 'CODE',
  NAME = 'NAME',
  PRICE = 'PRICE',
  AVAILABLE = 'AVAILABLE',
}
export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

registerEnumType(Role, {
  name: 'Role',
  valuesConfig: {
    MERCHANT: {
      description:
        'An online store of the park: sees stock and catalog, places and reads only its own orders.',
    },
    WAREHOUSE: {
      description: 'Distribution-centre staff on tablets: receives, moves, adjusts, picks and dispatches.',
    },
    OFFICIAL: {
      description: 'County office dashboards: read-only, aggregates and catalog, no personal data.',
    },
    ADMIN: { description: 'Operators: everything, including reference data and API keys.' },
  },
});
registerEnumType(StorageZone, { name: 'StorageZone' });
registerEnumType(SkuCategory, { name: 'SkuCategory' });
registerEnumType(SalesPlatform, { name: 'SalesPlatform' });
registerEnumType(LotStatus, {
  name: 'LotStatus',
  valuesConfig: {
    ACTIVE: { description: 'Sellable until its expiry date.' },
    HELD: { description: 'Quarantined (quality or recall): never allocated, not available.' },
    EXPIRED: { description: 'Past expiresOn: never allocated, not available.' },
    DEPLETED: { description: 'Nothing left on hand.' },
  },
});
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  valuesConfig: {
    PLACED: { description: 'Stock reserved, nothing picked yet.' },
    ALLOCATED: { description: 'Lots and locations chosen (first-expiry-first-out); a pick list exists.' },
    PICKED: { description: 'Units have left their locations; on-hand and reservation released.' },
    DISPATCHED: { description: 'Handed to a carrier with a tracking number.' },
    CANCELLED: { description: 'Cancelled before pick; its reservation is released.' },
    RETURNED: { description: 'Every unit shipped has come back (a refused parcel, or full returns).' },
  },
});
registerEnumType(MovementType, {
  name: 'MovementType',
  valuesConfig: {
    RECEIPT: { description: 'Units arrive from a farm as a new lot.' },
    PICK: { description: 'Units leave for an order.' },
    ADJUSTMENT: { description: 'Count correction, damage, spoilage, found stock.' },
    EXPIRY: { description: 'Expired units written off.' },
    TRANSFER: { description: 'Units change location inside the centre; on-hand unchanged.' },
    RETURN: { description: 'Resaleable units come back from a customer into the lot they were picked from.' },
  },
});
registerEnumType(ReturnCondition, {
  name: 'ReturnCondition',
  valuesConfig: {
    RESALEABLE: {
      description: 'Back into stock: a RETURN movement into the lot the units were picked from.',
    },
    DAMAGED: { description: 'Recorded on the return only; the units never re-enter on-hand.' },
  },
});
registerEnumType(AdjustmentReason, { name: 'AdjustmentReason' });
registerEnumType(SkuOrderField, { name: 'SkuOrderField' });
registerEnumType(SortDirection, { name: 'SortDirection' });
