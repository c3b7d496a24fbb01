import { Role } from '../src/graphql/enums';
import { isPublicAddress } from '../src/webhooks/url-guard';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url events active merchant { code } createdAt } }
}`;
const LIST = '{ webhookEndpoints { id url events merchant { code } } }';

let strict: TestApp;
let open: TestApp;
let baofu: string;
let beijie: string;

const endpointRows = async (app: TestApp) =>
  JSON.parse(JSON.stringify(await app.dataSource.query('SELECT * FROM webhook_endpoint ORDER BY id')));

beforeAll(async () => {
  strict = await startTestApp();
  open = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  for (const app of [strict, open]) await createReferenceData(app);
  baofu = await strict.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await strict.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
});

afterAll(async () => {
  await strict.close();
  await open.close();
});

it('registers an endpoint for the calling merchant and shows its secret only once', async () => {
  const res = await strict.gql(
    CREATE,
    { input: { url: 'https://93.184.216.34/hooks/gaodu', events: ['STOCK_LOW', 'ORDER_STATUS_CHANGED'] } },
    baofu,
  );
  expect(res.errors).toBeUndefined();
  const created = res.data.createWebhookEndpoint;
  expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
  expect(created.endpoint).toMatchObject({
    url: 'https://93.184.216.34/hooks/gaodu',
    events: ['ORDER_STATUS_CHANGED', 'STOCK_LOW'],
    active: true,
    merchant: { code: 'M-BAOFU-01' },
  });
  const listed = await strict.gql(LIST, {}, baofu);
  expect(listed.data.webhookEndpoints).toEqual([
    {
      id: created.endpoint.id,
      url: 'https://93.184.216.34/hooks/gaodu',
      events: ['ORDER_STATUS_CHANGED', 'STOCK_LOW'],
      merchant: { code: 'M-BAOFU-01' },
    },
  ]);
  // No field of the schema reads the secret back.
  const secretField = await strict.gql('{ webhookEndpoints { secret } }', {}, baofu);
  expect(secretField.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
});

it("hides a merchant's endpoints and deliveries from another merchant: NOT_FOUND, as for orders", async () => {
  const mine = await strict.gql(
    CREATE,
    { input: { url: 'https://93.184.216.35/hook', events: ['LOT_HELD'] } },
    beijie,
  );
  const id = mine.data.createWebhookEndpoint.endpoint.id;
  const theirs = await strict.gql(LIST, {}, baofu);
  expect(theirs.data.webhookEndpoints.map((e: { id: string }) => e.id)).not.toContain(id);

  const deliveries = await strict.gql(
    'query($id: ID!) { webhookDeliveries(endpointId: $id) { totalCount } }',
    { id },
    baofu,
  );
  expect(deliveries.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'endpointId' });
  const deleted = await strict.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id }, baofu);
  expect(deleted.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  const unknown = await strict.gql(
    'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }',
    { id: 'V2ViaG9va0VuZHBvaW50Ojk5OTk' },
    beijie,
  );
  expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });

  // ADMIN sees every endpoint; the owner deletes its own.
  const all = await strict.gql(LIST);
  expect(all.data.webhookEndpoints.map((e: { id: string }) => e.id)).toContain(id);
  expect(
    (await strict.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id }, beijie)).data,
  ).toEqual({ deleteWebhookEndpoint: true });
  expect((await strict.gql(LIST, {}, beijie)).data.webhookEndpoints).toEqual([]);
});

it('lets ADMIN register for a merchant or for every event; WAREHOUSE may not', async () => {
  const forMerchant = await strict.gql(CREATE, {
    input: { url: 'https://93.184.216.36/a', events: ['LOT_HELD'], merchantCode: 'M-BEIJIE-02' },
  });
  expect(forMerchant.data.createWebhookEndpoint.endpoint.merchant).toEqual({ code: 'M-BEIJIE-02' });
  const global = await strict.gql(CREATE, {
    input: { url: 'https://93.184.216.36/b', events: ['LOT_HELD'] },
  });
  expect(global.data.createWebhookEndpoint.endpoint.merchant).toBeNull();
  const other = await strict.gql(
    CREATE,
    { input: { url: 'https://93.184.216.36/c', events: ['LOT_HELD'], merchantCode: 'M-BEIJIE-02' } },
    baofu,
  );
  expect(other.errors?.[0].extensions.code).toBe('FORBIDDEN');
  const warehouse = await strict.gql(
    CREATE,
    { input: { url: 'https://93.184.216.36/d', events: ['LOT_HELD'] } },
    await strict.keyFor(Role.WAREHOUSE),
  );
  expect(warehouse.errors?.[0].extensions.code).toBe('FORBIDDEN');
});

describe('refuses URLs that are not https to a public host, each naming url and storing nothing', () => {
  const refused: [string, string][] = [
    ['plain http', 'http://93.184.216.34/hook'],
    ['another scheme', 'ftp://93.184.216.34/hook'],
    ['not a URL', 'hooks.example/gaodu'],
    ['loopback', 'https://127.0.0.1/hook'],
    ['loopback by name', 'https://localhost:8443/hook'],
    ['IPv6 loopback', 'https://[::1]/hook'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['private 10/8', 'https://10.1.2.3/hook'],
    ['private 172.16/12', 'https://172.20.0.5/hook'],
    ['private 192.168/16', 'https://192.168.1.10/hook'],
    ['IPv6 unique local', 'https://[fd00::1]/hook'],
    ['link-local (metadata service)', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 link-local', 'https://[fe80::1]/hook'],
    ['multicast', 'https://224.0.0.251/hook'],
    ['IPv6 multicast', 'https://[ff02::1]/hook'],
    ['unspecified', 'https://0.0.0.0/hook'],
    ['unresolvable', 'https://no-such-host.invalid/hook'],
    ['credentials in the URL', 'https://user:pw@93.184.216.34/hook'],
  ];
  it.each(refused)('%s: %s', async (_what, url) => {
    const before = await endpointRows(strict);
    const res = await strict.gql(CREATE, { input: { url, events: ['STOCK_LOW'] } }, baofu);
    expect(res.data).toBeNull();
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    expect(await endpointRows(strict)).toEqual(before);
  });
});

it('accepts http and loopback only with WEBHOOK_ALLOW_PRIVATE_URLS=true; an unresolvable host still fails', async () => {
  const ok = await open.gql(CREATE, { input: { url: 'http://127.0.0.1:9/hook', events: ['STOCK_LOW'] } });
  expect(ok.errors).toBeUndefined();
  const unresolvable = await open.gql(CREATE, {
    input: { url: 'http://no-such-host.invalid/hook', events: ['STOCK_LOW'] },
  });
  expect(unresolvable.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
});

it('keeps at most 10 endpoints per merchant', async () => {
  const key = await open.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  for (let i = 0; i < 10; i++) {
    const res = await open.gql(
      CREATE,
      { input: { url: `http://127.0.0.1:9/${i}`, events: ['LOT_HELD'] } },
      key,
    );
    expect(res.errors).toBeUndefined();
  }
  const before = await endpointRows(open);
  const eleventh = await open.gql(
    CREATE,
    { input: { url: 'http://127.0.0.1:9/x', events: ['LOT_HELD'] } },
    key,
  );
  expect(eleventh.errors?.[0].extensions.code).toBe('CONFLICT');
  expect(await endpointRows(open)).toEqual(before);
});

it('tells public addresses from the others', () => {
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
    expect([address, isPublicAddress(address)]).toEqual([address, true]);
  for (const address of [
    '127.0.0.2',
    '10.0.0.1',
    '100.64.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'ff02::1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])
    expect([address, isPublicAddress(address)]).toEqual([address, false]);
});
