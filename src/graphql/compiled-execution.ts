import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { DocumentNode, execute, GraphQLSchema } from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { asLocatedError } from './errors';

/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter: each document Apollo Server has
 * parsed and validated (it keeps them, so a client's repeated query is the same object) is compiled once
 * into a function of its own, kept as long as Apollo keeps the document. The resolvers, the schema and
 * every plugin hook before and after execution are Apollo's and type-graphql's as before.
 *
 * Apollo Server takes a custom executor only from a gateway: this is one that serves the local schema.
 * Variables that do not fit their types are refused by graphql-js's own coercion (the same messages and
 * BAD_USER_INPUT as without it): graphql-jit's refusal happens before anything runs, so graphql-js
 * is asked again and gives its answer.
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new WeakMap<DocumentNode, Map<string | null, CompiledQuery>>();
  const compiledFor = (document: DocumentNode, operationName: string | null) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    let query = byName.get(operationName);
    if (!query) {
      const result = compileQuery(schema, document, operationName ?? undefined, {
        disablingCapturingStackErrors: true,
      });
      if (!isCompiledQuery(result)) return null;
      byName.set(operationName, (query = result));
    }
    return query;
  };
  const executor: GatewayExecutor = async ({ document, operationName, request, context }) => {
    const query = compiledFor(document, operationName);
    const result = query ? await query.query(undefined, context, request.variables ?? {}) : null;
    if (result && 'data' in result)
      return result.errors ? { ...result, errors: result.errors.map(asLocatedError) } : result;
    return execute({
      schema,
      document,
      contextValue: context,
      variableValues: request.variables,
      operationName,
    });
  };
  let loaded: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | null =
    null;
  return {
    onSchemaLoadOrUpdate(callback) {
      loaded = callback;
      return () => {
        loaded = null;
      };
    },
    async load() {
      loaded?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {},
  };
}
