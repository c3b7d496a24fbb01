import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { gatewaySchema } from './schema';

/** The schema as committed in schema/schema.graphql. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(gatewaySchema()))}\n`;
}

if (require.main === module) {
  const dir = join(__dirname, '..', '..', 'schema');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'schema.graphql'), printGatewaySchema());
}
