import { ColumnOptions, ValueTransformer } from 'typeorm';

/** BIGINT fen <-> JS bigint, whatever the driver returns (number, string). */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) =>
    value === null || value === undefined ? value : value.toString(),
  from: (value: string | number | bigint | null) =>
    value === null || value === undefined ? value : BigInt(value),
};

/** Whole fen. */
export function fenColumn(extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'bigint', transformer: bigintTransformer, ...extra };
}

/** An instant, stored in UTC with milliseconds. */
export function instantColumn(extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'datetime', precision: 3, ...extra };
}

/** A calendar date kept as 'YYYY-MM-DD'. */
export function localDateColumn(extra: ColumnOptions = {}): ColumnOptions {
  return { type: 'date', ...extra };
}
