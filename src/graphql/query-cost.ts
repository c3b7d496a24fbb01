import { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLSchema,
  isCompositeType,
  isLeafType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  OperationDefinitionNode,
  SchemaMetaFieldDef,
  SelectionSetNode,
  specifiedRules,
  TypeMetaFieldDef,
  validate,
  ValidationRule,
  ValueNode,
} from 'graphql';
import { Config } from '../config';
import { Context } from '../context';
import { createRateLimiter, RateLimiter, ThrottleStatus } from '../auth/rate-limiter';
import { rateLimited, tooComplex } from './errors';
import { DEFAULT_PAGE, MAX_PAGE } from './connection';

/** Points of one mutation root field, before what it returns. */
export const MUTATION_COST = 10;
/**
 * Assumed length of a list that takes no size argument: at the root it is a whole table (bins, carriers,
 * stations), below it a few per parent on average (lines of an order, suppliers of a SKU, placements of a
 * lot).
 */
export const ROOT_LIST_SIZE = DEFAULT_PAGE;
export const NESTED_LIST_SIZE = 2;
export const MAX_ALIASES = 50;
export const MAX_OPERATIONS = 10;
/** Field selections visited after expanding fragments: bounds the work of costing itself. */
export const MAX_FIELD_SELECTIONS = 2000;
/**
 * Field selections written in one document, each fragment counted once as written: bounds the work of
 * validation, which graphql-js does in time that grows faster than the document (the contract's largest
 * client document, the dashboard's four operations, has 123).
 */
export const MAX_DOCUMENT_FIELDS = 500;
/** A request refused before execution (syntax, limits, validation) costs a point per this many characters. */
export const REFUSED_CHARACTERS_PER_POINT = 100;
/** The least a refused request costs. */
export const REFUSED_REQUEST_COST = 1;

/** What a request refused before it runs takes from the bucket: a point per started 100 characters, >= 1. */
export function refusedRequestCost(query: string | undefined): number {
  return Math.max(REFUSED_REQUEST_COST, Math.ceil((query?.length ?? 0) / REFUSED_CHARACTERS_PER_POINT));
}

export interface QueryMeasure {
  cost: number;
  depth: number;
  aliases: number;
  /** Set when the walk stopped at MAX_FIELD_SELECTIONS. */
  truncated: boolean;
}

class Truncated extends Error {}

function integerValue(node: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!node) return null;
  const value =
    node.kind === Kind.VARIABLE
      ? variables[node.name.value]
      : node.kind === Kind.INT
        ? Number(node.value)
        : null;
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function listLength(node: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!node) return null;
  if (node.kind === Kind.LIST) return node.values.length;
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    if (Array.isArray(value)) return value.length;
    return value == null ? 0 : 1;
  }
  return node.kind === Kind.NULL ? 0 : 1;
}

function argument(node: FieldNode, name: string): ValueNode | undefined {
  return node.arguments?.find((arg) => arg.name.value === name)?.value;
}

/**
 * How many items a list field is charged for: a connection's page (first/last, default 20, at most 100),
 * stockLevels by its codes, nodes by its ids, fields with a limit by the limit, other lists ROOT_ or
 * NESTED_LIST_SIZE.
 */
function listSize(
  node: FieldNode,
  page: number | null,
  variables: Record<string, unknown>,
  root: boolean,
): number {
  const name = node.name.value;
  if ((name === 'edges' || name === 'nodes') && page !== null) return page;
  for (const arg of ['skuCodes', 'ids']) {
    const length = listLength(argument(node, arg), variables);
    if (length !== null) return length;
  }
  const limit = integerValue(argument(node, 'limit'), variables);
  if (limit !== null) return Math.max(0, limit);
  return root ? ROOT_LIST_SIZE : NESTED_LIST_SIZE;
}

function pageSize(node: FieldNode, variables: Record<string, unknown>): number {
  const size =
    integerValue(argument(node, 'first'), variables) ??
    integerValue(argument(node, 'last'), variables) ??
    DEFAULT_PAGE;
  return Math.min(MAX_PAGE, Math.max(0, size));
}

/**
 * The cost, depth and alias count of one operation, from the document alone (nothing runs); at least 1.
 * Objects cost 1 and scalars 0, totalCount 1 (it counts rows); lists multiply what they hold by their
 * size; mutation root fields cost MUTATION_COST. Fragments are followed; introspection fields count too.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): QueryMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measure: QueryMeasure = { cost: 0, depth: 0, aliases: 0, truncated: false };
  let visited = 0;
  const active = new Set<string>();

  const fieldOf = (
    parent: GraphQLCompositeType,
    name: string,
    root: boolean,
  ): GraphQLField<unknown, unknown> | undefined => {
    if (root && name === '__schema') return SchemaMetaFieldDef;
    if (root && name === '__type') return TypeMetaFieldDef;
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  };

  const selectionCost = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    depth: number,
    page: number | null,
    root: boolean,
  ): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (++visited > MAX_FIELD_SELECTIONS) throw new Truncated();
        if (selection.alias) measure.aliases += 1;
        measure.depth = Math.max(measure.depth, depth);
        const field = fieldOf(parent, selection.name.value, root);
        if (!field) continue;
        const named = getNamedType(field.type);
        if (isLeafType(named)) {
          if (selection.name.value === 'totalCount') cost += 1;
          continue;
        }
        if (!isCompositeType(named) || !selection.selectionSet) continue;
        const childPage = named.name.endsWith('Connection') ? pageSize(selection, variables) : null;
        const own = root && operation.operation === 'mutation' ? MUTATION_COST : 1;
        const each = own + selectionCost(selection.selectionSet, named, depth + 1, childPage, false);
        cost += isListType(getNullableType(field.type))
          ? listSize(selection, page, variables, root) * each
          : each;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : parent;
        if (type && isCompositeType(type))
          cost += selectionCost(selection.selectionSet, type, depth, page, root);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || active.has(name)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (!type || !isCompositeType(type)) continue;
        active.add(name);
        cost += selectionCost(fragment.selectionSet, type, depth, page, root);
        active.delete(name);
      }
    }
    return cost;
  };

  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return measure;
  try {
    measure.cost = Math.max(1, selectionCost(operation.selectionSet, rootType, 1, null, true));
  } catch (error) {
    if (!(error instanceof Truncated)) throw error;
    measure.truncated = true;
  }
  return measure;
}

/**
 * The limits of a document's shape, counted on its syntax tree alone before it is validated: operations,
 * aliases and field selections as written. (Its tokens are bounded when it is parsed: PARSE_OPTIONS.)
 */
export function checkDocumentShape(document: DocumentNode): void {
  let operations = 0;
  let fields = 0;
  let aliases = 0;
  const sets: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations += 1;
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION)
      sets.push(definition.selectionSet);
  }
  for (let set = sets.pop(); set; set = sets.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        fields += 1;
        if (selection.alias) aliases += 1;
        if (selection.selectionSet) sets.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) sets.push(selection.selectionSet);
    }
  }
  if (operations > MAX_OPERATIONS) {
    throw tooComplex(`A document may hold at most ${MAX_OPERATIONS} operations, got ${operations}`);
  }
  if (aliases > MAX_ALIASES) {
    throw tooComplex(`A query may use at most ${MAX_ALIASES} aliases, got ${aliases}`, {
      aliases,
      maximumAliases: MAX_ALIASES,
    });
  }
  if (fields > MAX_DOCUMENT_FIELDS) {
    throw tooComplex(
      `A document may select at most ${MAX_DOCUMENT_FIELDS} fields as written, got ${fields}`,
      {
        fields,
        maximumFields: MAX_DOCUMENT_FIELDS,
      },
    );
  }
}

/** What every document is parsed with, over HTTP and WebSocket: more tokens are refused mid-parse. */
export const PARSE_OPTIONS = { maxTokens: 10_000 };

const EMPTY_DOCUMENT: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/**
 * checkDocumentShape as a validation rule, run on the document before any other rule walks it: a document
 * over the limits is reported, and the walk goes on over an empty document, so no rule (some are quadratic)
 * spends time on it. Apollo Server runs its rules after graphql-js's, whose Document visitors are constant
 * work; none looks below the document first.
 */
export const documentShapeRule: ValidationRule = (context) => ({
  Document: {
    enter(document) {
      try {
        checkDocumentShape(document);
        return undefined;
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        context.reportError(error);
        return EMPTY_DOCUMENT;
      }
    },
  },
});

/** Validation outside Apollo Server (subscriptions): the document's shape first, then graphql-js's rules. */
export function validateDocument(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  return validate(schema, document, [documentShapeRule, ...specifiedRules]);
}

/** Refuses an operation over the limits of the configuration, before it runs. */
export function checkLimits(measure: QueryMeasure, config: Config): void {
  if (measure.truncated) {
    throw tooComplex(`A query may select at most ${MAX_FIELD_SELECTIONS} fields once fragments are expanded`);
  }
  if (measure.aliases > MAX_ALIASES) {
    throw tooComplex(`A query may use at most ${MAX_ALIASES} aliases, got ${measure.aliases}`, {
      aliases: measure.aliases,
      maximumAliases: MAX_ALIASES,
    });
  }
  if (measure.depth > config.maxQueryDepth) {
    throw tooComplex(`A query may nest at most ${config.maxQueryDepth} levels, got ${measure.depth}`, {
      depth: measure.depth,
      maximumDepth: config.maxQueryDepth,
    });
  }
  const maximum = Math.min(config.maxQueryCost, config.rateLimitBucket);
  if (measure.cost > maximum) {
    throw tooComplex(
      `This query would cost ${measure.cost} points, at most ${maximum} are allowed: ask for smaller pages or fewer nested lists`,
      { cost: measure.cost, maximumCost: maximum },
    );
  }
}

/**
 * Costs by request, keyed by the request's loaders: Apollo hands plugins a shallow copy of the context, whose
 * loaders are still the request's own object.
 */
const requestedCosts = new WeakMap<object, number>();

/** The cost the query limits charged the request of this context, once they have measured it. */
export function requestedCostOf(context: Pick<Context, 'loaders'>): number | undefined {
  return requestedCosts.get(context.loaders);
}

/**
 * Costs every operation before it runs, refuses it above the cost, depth, alias and operation limits
 * (QUERY_TOO_COMPLEX), spends its cost from the caller's bucket (RATE_LIMITED, HTTP 429, when empty)
 * and answers every request with extensions.cost.
 */
export function queryLimitsPlugin(
  config: Config,
  limiter: RateLimiter = createRateLimiter(config),
): ApolloServerPlugin<Context> {
  return {
    async serverWillStart() {
      return {
        async serverWillStop() {
          await limiter.close();
        },
      };
    },
    async requestDidStart({ contextValue }) {
      const key = contextValue.principal?.keyScope;
      let requested = 0;
      let status: ThrottleStatus | null = null;
      /** A refused request pays for its size; when the bucket holds less, it takes what is left. */
      const chargeRefusal = async (key: string, source: string | undefined) => {
        const points = refusedRequestCost(source);
        const spent = await limiter.spend(key, points);
        status = spent.allowed
          ? spent.status
          : (await limiter.spend(key, spent.status.currentlyAvailable)).status;
        return points;
      };
      return {
        async didResolveOperation({ schema, document, operation, request, source }) {
          if (!operation) return;
          const measure = measureOperation(schema, document, operation, request.variables ?? {});
          requested = measure.cost;
          requestedCosts.set(contextValue.loaders, requested);
          try {
            checkLimits(measure, config);
          } catch (error) {
            if (key) await chargeRefusal(key, source);
            throw error;
          }
          if (!key) return;
          const spent = await limiter.spend(key, measure.cost);
          status = spent.status;
          if (!spent.allowed) throw rateLimited(spent.retryAfterSeconds);
        },
        async willSendResponse({ response, source }) {
          if (!key) return;
          // Refused before it resolved an operation: a syntax error, the document's shape, validation.
          if (!status) {
            requested = await chargeRefusal(key, source);
            requestedCosts.set(contextValue.loaders, requested);
          }
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            cost: { requestedQueryCost: requested, throttleStatus: status },
          };
        },
      };
    },
  };
}
