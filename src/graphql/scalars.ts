import { GraphQLScalarType, Kind } from 'graphql';
import { badValue } from './errors';

/** ISO-8601 date and time in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'ISO-8601 date and time in UTC, e.g. 2026-11-29T08:30:00.000Z.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime expected a date, got ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    return parseDateTime(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badValue('DateTime expected an ISO-8601 string');
    return parseDateTime(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  ) {
    throw badValue(
      `DateTime expected an ISO-8601 date and time such as 2026-11-29T08:30:00Z, got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  }
  // As strict as LocalDate: a real calendar day, hours to 23, minutes and seconds to 59, offsets to 14:00.
  const [, hours, minutes, seconds = '0'] = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value)!;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const date = new Date(value);
  if (
    !isLocalDate(value.slice(0, 10)) ||
    Number(hours) > 23 ||
    Number(minutes) > 59 ||
    Number(seconds) > 59 ||
    (offset && (Number(offset[2]) > 14 || Number(offset[3]) > 59)) ||
    Number.isNaN(date.getTime())
  )
    throw badValue(`DateTime expected a real date and time, got ${value}`);
  return date;
}

/** A calendar date, YYYY-MM-DD, kept as that string. */
export const LocalDateScalar = new GraphQLScalarType<string, string>({
  name: 'LocalDate',
  description: 'Calendar date, YYYY-MM-DD (Asia/Shanghai business day).',
  serialize(value) {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    return String(value).slice(0, 10);
  },
  parseValue(value) {
    return parseLocalDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badValue('LocalDate expected a YYYY-MM-DD string');
    return parseLocalDate(ast.value);
  },
});

export function isLocalDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function parseLocalDate(value: unknown): string {
  if (!isLocalDate(value))
    throw badValue(
      `LocalDate expected a real calendar date YYYY-MM-DD, got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  return value;
}

/** An exact decimal number carried as a string; never a float. */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'Exact decimal number as a string, e.g. "12.50". Never a float.',
  serialize(value) {
    return String(value);
  },
  parseValue(value) {
    return parseDecimal(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badValue('Decimal expected a string such as "12.50", not a number');
    return parseDecimal(ast.value);
  },
});

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !/^-?\d{1,15}(\.\d{1,10})?$/.test(value)) {
    throw badValue(`Decimal expected a string such as "12.50", got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  return value;
}
