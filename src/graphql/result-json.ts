import type { FormattedExecutionResult } from 'graphql';

/** Result data that never changes (a kept whole answer), and its JSON once it has been written. */
const serialized = new WeakMap<object, string | null>();

/** Marks a result's data as never changing: each answer that carries it reuses its JSON. */
export function serializeOnce(data: object): void {
  if (!serialized.has(data)) serialized.set(data, null);
}

/**
 * The JSON of a GraphQL response body, as Apollo Server writes it (`JSON.stringify(result) + '\n'`, its
 * fields in the order errors, data, extensions), with the JSON of data marked by serializeOnce written
 * once and reused: a kept dashboard answer is otherwise serialised again for every request it answers.
 */
export function stringifyResult(result: FormattedExecutionResult): string {
  const data = result.data;
  if (result.errors === undefined && data && serialized.has(data)) {
    let json = serialized.get(data);
    if (json == null) serialized.set(data, (json = JSON.stringify(data)));
    const extensions =
      result.extensions === undefined ? '' : `,"extensions":${JSON.stringify(result.extensions)}`;
    return `{"data":${json}${extensions}}\n`;
  }
  return `${JSON.stringify(result)}\n`;
}
