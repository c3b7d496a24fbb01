import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/db/data-source';

/** The data source of the TypeORM CLI (migration:generate, migration:run). Set DATABASE_URL. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL || 'sqlite:./data/gaodu.sqlite'));
