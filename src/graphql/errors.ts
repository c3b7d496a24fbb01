import { GraphQLError } from 'graphql';

export interface Shortage {
  skuCode: string;
  requested: number;
  available: number;
}

function error(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const badInput = (field: string, message: string) => error('BAD_USER_INPUT', message, { field });
export const notFound = (what: string, key: string, field?: string) =>
  error('NOT_FOUND', `${what} ${JSON.stringify(key)} was not found`, field ? { field } : {});
export const conflict = (message: string, field?: string) =>
  error('CONFLICT', message, field ? { field } : {});
export const invalidState = (message: string) => error('INVALID_STATE', message);
export const forbidden = (message = 'This API key may not do that') => error('FORBIDDEN', message);
export const unauthenticated = (message: string) =>
  error('UNAUTHENTICATED', message, { http: { status: 401 } });
export const insufficientStock = (shortages: Shortage[]) =>
  error('INSUFFICIENT_STOCK', `Not enough stock for ${shortages.map((s) => s.skuCode).join(', ')}`, {
    shortages,
  });
