import request from 'supertest';
import { hashToken } from '../src/auth/api-key.service';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { countSql } from './support/sql-counter';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
});
afterAll(() => app.close());

const ME = '{ me { role label merchant { code } } }';
const CREATE = 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id token role label } }';
const REVOKE = 'mutation($id: ID!) { revokeApiKey(id: $id) }';
const keyCount = async () => Number((await app.dataSource.query('SELECT COUNT(*) AS n FROM api_key'))[0].n);

async function post(headers: Record<string, string>) {
  const req = request(app.gateway.app).post('/graphql').set('content-type', 'application/json');
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req.send({ query: ME });
}

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['another scheme', { authorization: `Basic ${ADMIN_TOKEN}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['an unknown key', { authorization: 'Bearer gd_admin_nobody-has-this-key' }],
  ])('answers %s with 401 UNAUTHENTICATED', async (_what, headers) => {
    const res = await post(headers);
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
  });

  it('refuses a key once it is revoked, and revoking twice answers false', async () => {
    const created = await app.gql(CREATE, { input: { role: 'WAREHOUSE', label: 'tablet 7' } });
    const { id, token } = created.data.createApiKey;
    expect((await app.gql(ME, {}, token)).data.me.role).toBe('WAREHOUSE');
    expect((await app.gql(REVOKE, { id })).data.revokeApiKey).toBe(true);
    const after = await post({ authorization: `Bearer ${token}` });
    expect(after.status).toBe(401);
    expect(after.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await app.gql(REVOKE, { id })).data.revokeApiKey).toBe(false);
  });

  it('looks a key up once for the requests that bring it at the same time', async () => {
    const created = await app.gql(CREATE, {
      input: { role: 'MERCHANT', label: 'storefront burst', merchantCode: 'M-BAOFU-01' },
    });
    const { token } = created.data.createApiKey;
    const sql = countSql(app.dataSource);
    try {
      const principals = await Promise.all(
        Array.from({ length: 10 }, () => app.gateway.services.apiKeys.authenticate(token)),
      );
      expect(principals.map((p) => [p?.role, p?.merchant?.code])).toEqual(
        Array.from({ length: 10 }, () => ['MERCHANT', 'M-BAOFU-01']),
      );
      // The key's row and its merchant's, once.
      expect(sql.count).toBe(2);
    } finally {
      sql.restore();
    }
  });

  it('does not share a lookup begun before a revocation was heard with the requests after it', async () => {
    const created = await app.gql(CREATE, {
      input: { role: 'MERCHANT', label: 'storefront revoked', merchantCode: 'M-BAOFU-01' },
    });
    const { token } = created.data.createApiKey;
    const { apiKeys, events } = app.gateway.services;
    const sql = countSql(app.dataSource);
    try {
      const before = apiKeys.authenticate(token);
      // Any revocation heard (of another key here): the lookup running may have read a key revoked since.
      events.apiKeysRevoked([0]);
      const after = apiKeys.authenticate(token);
      await Promise.all([before, after]);
      expect(sql.count).toBe(4);
    } finally {
      sql.restore();
    }
  });

  it('answers me for ADMIN_TOKEN and for a key of each role', async () => {
    expect((await app.gql(ME)).data.me).toEqual({ role: 'ADMIN', label: 'admin-token', merchant: null });
    for (const role of ['ADMIN', 'WAREHOUSE', 'OFFICIAL', 'MERCHANT']) {
      const merchantCode = role === 'MERCHANT' ? 'M-BEIJIE-02' : undefined;
      const created = await app.gql(CREATE, { input: { role, label: `${role} key`, merchantCode } });
      expect(created.data.createApiKey).toMatchObject({ role, label: `${role} key` });
      const me = await app.gql(ME, {}, created.data.createApiKey.token);
      expect(me.data.me).toEqual({
        role,
        label: `${role} key`,
        merchant: merchantCode ? { code: merchantCode } : null,
      });
    }
  });
});

describe('createApiKey and revokeApiKey', () => {
  it.each([
    [
      'a MERCHANT key without merchantCode',
      { role: 'MERCHANT', label: 'x' },
      'BAD_USER_INPUT',
      'merchantCode',
    ],
    [
      'a WAREHOUSE key with a merchantCode',
      { role: 'WAREHOUSE', label: 'x', merchantCode: 'M-BAOFU-01' },
      'BAD_USER_INPUT',
      'merchantCode',
    ],
    [
      'an unknown merchant',
      { role: 'MERCHANT', label: 'x', merchantCode: 'M-NOWHERE-99' },
      'NOT_FOUND',
      'merchantCode',
    ],
    [
      'a malformed merchantCode',
      { role: 'MERCHANT', label: 'x', merchantCode: 'm baofu' },
      'BAD_USER_INPUT',
      'merchantCode',
    ],
    ['an empty label', { role: 'OFFICIAL', label: '' }, 'BAD_USER_INPUT', 'label'],
    ['a label of 81 characters', { role: 'OFFICIAL', label: 'x'.repeat(81) }, 'BAD_USER_INPUT', 'label'],
  ])('refuses %s and stores nothing', async (_what, input, code, field) => {
    const before = await keyCount();
    const res = await app.gql(CREATE, { input });
    expect(res.errors?.[0].extensions).toMatchObject({ code, field });
    expect(await keyCount()).toBe(before);
  });

  it('lets only ADMIN create or revoke keys', async () => {
    const victim = (await app.gql(CREATE, { input: { role: 'OFFICIAL', label: 'office' } })).data
      .createApiKey;
    for (const role of [Role.WAREHOUSE, Role.OFFICIAL, Role.MERCHANT]) {
      const key = await app.keyFor(role, role === Role.MERCHANT ? 'M-BAOFU-01' : undefined);
      const before = await keyCount();
      const created = await app.gql(CREATE, { input: { role: 'ADMIN', label: 'escalate' } }, key);
      expect(created.errors?.[0].extensions.code).toBe('FORBIDDEN');
      const revoked = await app.gql(REVOKE, { id: victim.id }, key);
      expect(revoked.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(await keyCount()).toBe(before);
    }
    expect((await app.gql(ME, {}, victim.token)).data.me.role).toBe('OFFICIAL');
  });

  it('refuses a revoke of an id that is not a key, or of no key', async () => {
    const farm = await app.gql('{ farm(code: "FARM-QINSHUI-001") { id } }');
    expect((await app.gql(REVOKE, { id: farm.data.farm.id })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'id',
    });
    expect((await app.gql(REVOKE, { id: 'junk' })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'id',
    });
    expect(
      (await app.gql(REVOKE, { id: Buffer.from('ApiKey:999999').toString('base64url') })).errors?.[0]
        .extensions,
    ).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });

  it('stores keys hashed: the token appears nowhere in api_key', async () => {
    const { token } = (await app.gql(CREATE, { input: { role: 'WAREHOUSE', label: 'hashed' } })).data
      .createApiKey;
    const rows: Record<string, unknown>[] = await app.dataSource.query('SELECT * FROM api_key');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(-20));
    expect(rows.some((row) => row.token_hash === hashToken(token))).toBe(true);
  });
});

describe('roles', () => {
  it('keeps reference-data writes for ADMIN and farm contacts from OFFICIAL and MERCHANT', async () => {
    const official = await app.keyFor(Role.OFFICIAL);
    const merchant = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    for (const key of [official, merchant]) {
      const write = await app.gql(
        'mutation { createCarrier(input: { code: "STO", name: "STO Express" }) { id } }',
        {},
        key,
      );
      expect(write.errors?.[0].extensions.code).toBe('FORBIDDEN');
      const contact = await app.gql('{ farm(code: "FARM-QINSHUI-001") { name contactName } }', {}, key);
      expect(contact.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    const warehouse = await app.keyFor(Role.WAREHOUSE);
    const contact = await app.gql('{ farm(code: "FARM-QINSHUI-001") { contactName } }', {}, warehouse);
    expect(contact.data.farm.contactName).toBe('Wang Fang');
    expect(
      (await app.gql('{ carriers { code } }')).data.carriers.map((c: { code: string }) => c.code),
    ).toEqual(['SF', 'YTO']);
  });
});
