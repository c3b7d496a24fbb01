import { Field, ID, InterfaceType } from 'type-graphql';

/** Opaque global ids: base64url of "Type:id". */
export function toGlobalId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

export function fromGlobalId(globalId: string): { type: string; id: number } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z]+):(\d{1,15})$/.exec(decoded);
  if (!match) return null;
  return { type: match[1], id: Number(match[2]) };
}

/** The object type of a Node: each entity class names its own. */
export const nodeTypeOf = (value: unknown): string | undefined =>
  (value as { constructor: { nodeType?: string } }).constructor.nodeType;

@InterfaceType('Node', { resolveType: nodeTypeOf })
export abstract class Node {
  @Field(() => ID, {
    name: 'id',
    description: 'Opaque global id, stable across releases; node(id:) fetches it.',
  })
  nodeId: string;
}
