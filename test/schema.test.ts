import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printGatewaySchema } from '../src/emit-schema';

describe('the committed schema', () => {
  it('is what the resolvers emit (run `npm run build` to refresh schema/schema.graphql)', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printGatewaySchema());
  });
});
