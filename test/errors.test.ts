import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { echo, ERROR_CODES, insufficientStock, MAX_ECHOED_INPUT } from '../src/graphql/errors';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const src = join(__dirname, '..', 'src');

describe('the one home of error codes', () => {
  it('is the only module that builds a GraphQLError', () => {
    const builders = sources(src).filter(
      (file) =>
        !file.endsWith(join('graphql', 'errors.ts')) && /new GraphQLError\(/.test(readFileSync(file, 'utf8')),
    );
    expect(builders).toEqual([]);
  });

  it('lists every code the README documents', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const code of ERROR_CODES) expect(readme).toContain(code);
  });

  it('keeps dependencies one way: domain money knows no GraphQL, subscriptions do not import the app', () => {
    expect(readFileSync(join(src, 'money.ts'), 'utf8')).not.toMatch(/from '\.\/graphql/);
    expect(readFileSync(join(src, 'subscriptions', 'subscription-server.ts'), 'utf8')).not.toMatch(
      /^import \{[^}]*\} from '\.\.\/app'/m,
    );
  });

  it('builds coded errors without a stack trace, and leaves the limit for other errors as it was', () => {
    const frames = Error.stackTraceLimit;
    const refusal = insufficientStock([{ skuCode: 'JC-MILLET-2500G', requested: 2, available: 1 }]);
    expect(refusal.extensions.code).toBe('INSUFFICIENT_STOCK');
    expect(refusal.stack).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(frames);
    expect(new Error('unexpected').stack).toMatch(/\n\s+at /);
  });

  it('clips echoed input', () => {
    expect(echo('x'.repeat(200_000)).length).toBeLessThanOrEqual(MAX_ECHOED_INPUT + 1);
    expect(echo('GD-1')).toBe('"GD-1"');
  });
});
