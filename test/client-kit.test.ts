import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSchema, Kind, OperationDefinitionNode, parse, print, validate } from 'graphql';
import { KNOWN_OPERATIONS } from '../src/metrics';

// The client kit (examples/): the operations of each client, valid against the committed contract, and the
// typed documents codegen makes of them, never stale.

const root = join(__dirname, '..');
const schema = buildSchema(readFileSync(join(root, 'schema/schema.graphql'), 'utf8'));
const operationsDir = join(root, 'examples/operations');
const files = readdirSync(operationsDir)
  .filter((f) => f.endsWith('.graphql'))
  .sort();
const documents = new Map(files.map((f) => [f, parse(readFileSync(join(operationsDir, f), 'utf8'))]));
const operations = [...documents.values()].flatMap((d) =>
  d.definitions.filter((x): x is OperationDefinitionNode => x.kind === Kind.OPERATION_DEFINITION),
);

it('holds the operations of the storefront, the tablet and the dashboard', () => {
  expect(files).toEqual(['dashboard.graphql', 'storefront.graphql', 'tablet.graphql']);
});

it.each(files)('%s is valid against schema/schema.graphql', (file) => {
  const errors = validate(schema, documents.get(file)!).map(
    (e) => `${e.message} (line ${e.locations?.[0].line})`,
  );
  expect(errors).toEqual([]);
});

it('names every operation, each name once in the kit', () => {
  const names = operations.map((o) => o.name?.value);
  expect(names).not.toContain(undefined);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  for (const definition of [...documents.values()].flatMap((d) => d.definitions))
    expect(definition.kind).toBe(Kind.OPERATION_DEFINITION);
});

it('labels the metrics of every query and mutation of the kit with its name', () => {
  const http = operations.filter((o) => o.operation !== 'subscription').map((o) => o.name!.value);
  expect(http.filter((name) => !KNOWN_OPERATIONS.has(name))).toEqual([]);
  expect([...KNOWN_OPERATIONS].filter((name) => !http.includes(name))).toEqual([]);
});

it("keeps the dashboard page's document the kit's CountyDashboard", () => {
  const page = readFileSync(join(root, 'web/dashboard/dashboard.js'), 'utf8');
  const array = /var QUERY = \[([\s\S]*?)\]\.join\('\\n'\)/.exec(page);
  expect(array).not.toBeNull();
  const text = [...array![1].matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]).join('\n');
  const kit = operations.find((o) => o.name?.value === 'CountyDashboard')!;
  expect(print(parse(text))).toBe(print(kit));
});

it('examples/generated/graphql.ts is what `npm run codegen` makes of the operations now', () => {
  // The same check as CI's `npm run codegen:check`: fails when an operation no longer matches the schema, or
  // when the committed file is stale (then run `npm run codegen` and commit the result).
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/@graphql-codegen/cli/cjs/bin.js'),
      '--config',
      'examples/codegen.ts',
      '--check',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({
    status: 0,
    output: '',
  });
  const generated = readFileSync(join(root, 'examples/generated/graphql.ts'), 'utf8');
  for (const operation of operations)
    expect(generated).toContain(`export const ${operation.name!.value}Document = `);
});
