import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLObjectType } from 'graphql';
import { printGatewaySchema } from '../src/emit-schema';
import { gatewaySchema } from '../src/schema';

describe('the committed schema', () => {
  it('is what the resolvers emit (run `npm run build` to refresh schema/schema.graphql)', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printGatewaySchema());
  });
});

describe('the executable schema', () => {
  const fieldOf = (type: string, field: string) =>
    (gatewaySchema().getType(type) as GraphQLObjectType).getFields()[field];

  it('reads plain fields without a resolver, so compiled execution reads them inline', () => {
    expect(fieldOf('Sku', 'code').resolve).toBeUndefined();
    expect(fieldOf('Order', 'placedAt').resolve).toBeUndefined();
    expect(fieldOf('StockLevel', 'onHand').resolve).toBeUndefined();
  });

  it('keeps the resolver of renamed fields, of fields with a field resolver and of promised fields', () => {
    expect(fieldOf('Sku', 'id').resolve).toBeDefined(); // schema name id, property nodeId
    expect(fieldOf('Farm', 'phone').resolve).toBeDefined(); // personal data, guarded by the farm resolver
    expect(fieldOf('OrderConnection', 'totalCount').resolve).toBeDefined(); // a Promise, counted when asked
  });
});
