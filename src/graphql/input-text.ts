import { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, Kind, ValueNode, visit } from 'graphql';
import { badInputBeforeRun } from './errors';

/**
 * Characters no name, note, address, code or key may hold: NUL and the other C0 controls but tab, line feed
 * and carriage return; the bidi embedding, override and isolate marks (they make text read other than it
 * is stored); and UTF-16 surrogates without their pair.
 */
// With the u flag a surrogate pair is one code point, so the surrogate range matches unpaired ones only.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/u;

function check(field: string, text: string): void {
  const match = FORBIDDEN.exec(text);
  if (!match) return;
  const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  throw badInputBeforeRun(
    field,
    `${field} holds U+${code}, a control, bidi or unpaired surrogate character: send plain text`,
  );
}

/** Every string in a variable's value; the field is the path inside an input object, or the variable. */
function checkValue(value: unknown, path: string[], name: string): void {
  if (typeof value === 'string') check(path.length ? path.join('.') : name, value);
  else if (Array.isArray(value)) value.forEach((item, i) => checkValue(item, [...path, String(i)], name));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) checkValue(item, [...path, key], name);
}

/** Every string literal of an argument, named the same way. */
function checkLiteral(node: ValueNode, path: string[], name: string): void {
  if (node.kind === Kind.STRING) check(path.length ? path.join('.') : name, node.value);
  else if (node.kind === Kind.LIST)
    node.values.forEach((item, i) => checkLiteral(item, [...path, String(i)], name));
  else if (node.kind === Kind.OBJECT)
    for (const field of node.fields) checkLiteral(field.value, [...path, field.name.value], name);
}

/** Documents whose literals were checked and hold no such text (Apollo keeps parsed documents). */
const cleanDocuments = new WeakSet<DocumentNode>();

/**
 * Refuses, before anything runs, a request whose arguments or variables hold text no field accepts: one
 * check for every input of the API (BAD_USER_INPUT naming the field). A document's literals are walked once.
 */
export function checkInputText(document: DocumentNode, variables: Record<string, unknown> | undefined): void {
  for (const [name, value] of Object.entries(variables ?? {})) checkValue(value, [], name);
  if (cleanDocuments.has(document)) return;
  visit(document, {
    Argument(node) {
      checkLiteral(node.value, [], node.name.value);
    },
  });
  cleanDocuments.add(document);
}

export function inputTextPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          checkInputText(document, request.variables);
        },
      };
    },
  };
}
