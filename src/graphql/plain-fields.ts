import { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * Drops type-graphql's wrapper from the fields that only read a property of the same name: no field resolver,
 * no `@Authorized`, no middleware. type-graphql gives each such field a resolver that reads `root[name]`;
 * without it graphql-jit (src/graphql/compiled-execution.ts) reads the property inline. A field whose schema
 * name differs from its property (`id` from `nodeId`) keeps its resolver, and so does one declared as a
 * Promise (a connection's totalCount: jit awaits only what a resolver returns), and any field this pass
 * cannot match to its metadata.
 */
export function readPlainFieldsInline(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const hasFieldResolver = (field: { target: object; name: string }) =>
    storage.fieldResolvers.some(
      (resolver) => resolver.getObjectType?.() === field.target && resolver.methodName === field.name,
    );
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!(type instanceof GraphQLObjectType)) continue;
    const declared = [
      ...(objectType.fields ?? []),
      ...storage.interfaceTypes
        .filter((it) => objectType.interfaceClasses?.includes(it.target))
        .flatMap((it) => it.fields ?? []),
    ];
    for (const [schemaName, field] of Object.entries(type.getFields())) {
      const metadata = declared.find((it) => it.schemaName === schemaName);
      if (!metadata || metadata.name !== schemaName || hasFieldResolver(metadata)) continue;
      if (metadata.roles || metadata.middlewares?.length) continue;
      const prototype = (metadata.target as { prototype: object }).prototype;
      if (Reflect.getMetadata('design:type', prototype, metadata.name) === Promise) continue;
      field.resolve = undefined;
    }
  }
}
