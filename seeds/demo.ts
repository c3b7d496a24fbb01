import { DataSource } from 'typeorm';
import { CreatedKey } from '../src/auth/api-key.service';

/** Placeholder until the demo data set lands: loads nothing. */
export async function seedDemoIfEmpty(_dataSource: DataSource): Promise<CreatedKey[] | null> {
  return null;
}
