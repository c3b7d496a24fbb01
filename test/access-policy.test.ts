import { Client } from 'graphql-ws';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { ADMIN_TOKEN, GraphQLResponse, startTestApp, TestApp } from './support/test-app';
import { eventually, listen, LiveServer, subscribe, wsClient } from './support/ws';

/**
 * Every role against every guarded field and path (src/auth/access-policy.ts): root order/orders, nested
 * merchant.orders, node/nodes, stockMovements, farm contacts, order recipients, lot trace shipments and
 * orderStatusChanged. Each guarded part is asked for in a query of its own, so one refusal cannot hide
 * another answer.
 */
type Who = 'OWNER' | 'OTHER' | 'WAREHOUSE' | 'OFFICIAL' | 'ADMIN';
const EVERYONE: Who[] = ['OWNER', 'OTHER', 'WAREHOUSE', 'OFFICIAL', 'ADMIN'];
const MERCHANTS: Who[] = ['OWNER', 'OTHER'];

let app: TestApp;
const tokens = {} as Record<Who, string>;
/** The owner's (M-BAOFU-01) picked order with a recipient, its second order, and the other's order. */
let picked: { number: string; id: string };
let placed: { number: string; id: string };
let theirs: { number: string; id: string };
let lotCode: string;
let pickMovementId: string;

const LI_NA = { recipientName: 'Li Na', recipientPhone: '13900000002', address: '12 Baofu Road' };
const ZHAO = { recipientName: 'Zhao Lei', recipientPhone: '13700000003', address: '8 Beijie Street' };
const PERSONAL = /Li Na|13900000002|Baofu Road|Zhao Lei|13700000003|Beijie Street|Wang Fang|13800000001/;

async function must(query: string, variables: Record<string, unknown> = {}) {
  const res = await app.gql(query, variables);
  if (res.errors) throw new Error(`${query.slice(0, 50)} failed: ${JSON.stringify(res.errors)}`);
  return res.data;
}

let sequence = 0;
async function placeOrder(merchantCode: string, destination: Record<string, string>) {
  const data = await must('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number id } }', {
    input: {
      idempotencyKey: `policy-${++sequence}`,
      merchantCode,
      lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 2 }],
      destination,
    },
  });
  return data.placeOrder as { number: string; id: string };
}

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  tokens.OWNER = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  tokens.OTHER = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  tokens.WAREHOUSE = await app.keyFor(Role.WAREHOUSE);
  tokens.OFFICIAL = await app.keyFor(Role.OFFICIAL);
  tokens.ADMIN = ADMIN_TOKEN;
  const lot = await must('mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }', {
    input: {
      idempotencyKey: 'policy-lot',
      skuCode: 'JC-MILLET-2500G',
      farmCode: 'FARM-QINSHUI-001',
      quantity: 100,
      locationCode: 'A-01-01',
    },
  });
  lotCode = lot.receiveLot.code;
  picked = await placeOrder('M-BAOFU-01', { ...LI_NA, city: 'Jincheng', province: 'Shanxi' });
  await must('mutation($n: String!) { allocateOrder(number: $n) { status } }', { n: picked.number });
  await must('mutation($n: String!) { pickOrder(number: $n) { status } }', { n: picked.number });
  placed = await placeOrder('M-BAOFU-01', { stationCode: 'ST-GAODU-BAOFU' });
  theirs = await placeOrder('M-BEIJIE-02', { ...ZHAO, city: 'Jincheng', province: 'Shanxi' });
  const movements = await must('{ stockMovements(first: 50, filter: { type: PICK }) { nodes { id } } }');
  expect(movements.stockMovements.nodes).toHaveLength(1);
  pickMovementId = movements.stockMovements.nodes[0].id;
});
afterAll(() => app.close());

function ask(who: Who, query: string): Promise<GraphQLResponse> {
  return app.gql(query, {}, tokens[who]);
}

/** "CODE path" of each error, sorted. */
function refusals(res: GraphQLResponse): string[] {
  return (res.errors ?? []).map((e) => `${e.extensions.code} ${(e.path ?? []).join('.')}`).sort();
}

describe.each(EVERYONE)('%s', (who) => {
  const merchant = MERCHANTS.includes(who);

  it('root order: another merchant’s order is NOT_FOUND, exactly like an unknown number', async () => {
    const res = await ask(who, `{ order(number: "${picked.number}") { number } }`);
    if (who === 'OTHER') {
      expect(res.data).toEqual({ order: null });
      expect(refusals(res)).toEqual(['NOT_FOUND order']);
    } else {
      expect(res.errors).toBeUndefined();
      expect(res.data.order).toEqual({ number: picked.number });
    }
  });

  it('root orders: a merchant counts and lists its own only', async () => {
    const res = await ask(who, '{ orders(first: 50) { totalCount nodes { number } } }');
    expect(res.errors).toBeUndefined();
    const expected = {
      OWNER: [placed, picked],
      OTHER: [theirs],
    }[who as 'OWNER' | 'OTHER'] ?? [theirs, placed, picked];
    expect(res.data.orders).toEqual({
      totalCount: expected.length,
      nodes: expected.map((o) => ({ number: o.number })),
    });
  });

  it('nested merchant.orders: another merchant’s list is empty, not an error', async () => {
    const res = await ask(
      who,
      `{ baofu: merchant(code: "M-BAOFU-01") { orders { totalCount nodes { number } } }
         beijie: merchant(code: "M-BEIJIE-02") { orders { totalCount nodes { number } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const list = (...orders: { number: string }[]) => ({
      orders: { totalCount: orders.length, nodes: orders.map((o) => ({ number: o.number })) },
    });
    expect(res.data).toEqual({
      baofu: who === 'OTHER' ? list() : list(picked, placed),
      beijie: who === 'OWNER' ? list() : list(theirs),
    });
  });

  it('node and nodes: an order the caller may not see is null', async () => {
    const res = await ask(
      who,
      `{ node(id: "${picked.id}") { id ... on Order { number } }
         nodes(ids: ["${picked.id}", "${theirs.id}"]) { ... on Order { number } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      node: who === 'OTHER' ? null : { id: picked.id, number: picked.number },
      nodes: [
        who === 'OTHER' ? null : { number: picked.number },
        who === 'OWNER' ? null : { number: theirs.number },
      ],
    });
  });

  it('node: a ledger row is null for a merchant', async () => {
    const res = await ask(
      who,
      `{ node(id: "${pickMovementId}") { id ... on StockMovement { type order { number } } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toEqual(
      merchant ? null : { id: pickMovementId, type: 'PICK', order: { number: picked.number } },
    );
  });

  it('stockMovements: FORBIDDEN to a merchant; the others see the ledger and its orders', async () => {
    const res = await ask(
      who,
      '{ stockMovements(first: 50) { nodes { type order { number destination { recipientName } } } } }',
    );
    if (merchant) {
      expect(res.data).toBeNull();
      expect(refusals(res)).toEqual(['FORBIDDEN stockMovements']);
      return;
    }
    const nodes = res.data.stockMovements.nodes as { type: string; order: unknown }[];
    expect(nodes.map((n) => n.type).sort()).toEqual(['PICK', 'RECEIPT']);
    const pick = nodes.findIndex((n) => n.type === 'PICK');
    expect(nodes[pick].order).toEqual({
      number: picked.number,
      destination: { recipientName: who === 'OFFICIAL' ? null : LI_NA.recipientName },
    });
    expect(refusals(res)).toEqual(
      who === 'OFFICIAL' ? [`FORBIDDEN stockMovements.nodes.${pick}.order.destination.recipientName`] : [],
    );
  });

  it('farm contacts: WAREHOUSE and ADMIN only, on every path', async () => {
    const res = await ask(
      who,
      `{ farm(code: "FARM-QINSHUI-001") { name contactName phone }
         lot(code: "${lotCode}") { farm { phone } }
         sku(code: "JC-MILLET-2500G") { suppliers { contactName } } }`,
    );
    const shown = who === 'WAREHOUSE' || who === 'ADMIN';
    expect(res.data).toEqual({
      farm: {
        name: 'Qinshui millet cooperative',
        contactName: shown ? 'Wang Fang' : null,
        phone: shown ? '13800000001' : null,
      },
      lot: { farm: { phone: shown ? '13800000001' : null } },
      sku: { suppliers: [{ contactName: shown ? 'Wang Fang' : null }] },
    });
    expect(refusals(res)).toEqual(
      shown
        ? []
        : [
            'FORBIDDEN farm.contactName',
            'FORBIDDEN farm.phone',
            'FORBIDDEN lot.farm.phone',
            'FORBIDDEN sku.suppliers.0.contactName',
          ],
    );
  });

  it('order recipients: the owning merchant, WAREHOUSE and ADMIN; FORBIDDEN to OFFICIAL', async () => {
    const res = await ask(
      who,
      `{ order(number: "${picked.number}") { destination { city recipientName recipientPhone address } } }`,
    );
    if (who === 'OTHER') {
      expect(res.data).toEqual({ order: null });
      expect(refusals(res)).toEqual(['NOT_FOUND order']);
      return;
    }
    const hidden = who === 'OFFICIAL';
    expect(res.data.order.destination).toEqual(
      hidden
        ? { city: 'Jincheng', recipientName: null, recipientPhone: null, address: null }
        : { city: 'Jincheng', ...LI_NA },
    );
    expect(refusals(res)).toEqual(
      hidden
        ? [
            'FORBIDDEN order.destination.address',
            'FORBIDDEN order.destination.recipientName',
            'FORBIDDEN order.destination.recipientPhone',
          ]
        : [],
    );
  });

  it('order recipients through root orders, merchant.orders and node', async () => {
    const res = await ask(
      who,
      `{ orders(first: 50) { nodes { number destination { recipientName } } }
         merchant(code: "M-BEIJIE-02") { orders { nodes { destination { recipientPhone } } } }
         node(id: "${picked.id}") { ... on Order { destination { address } } } }`,
    );
    if (who === 'OFFICIAL') {
      expect(refusals(res)).toEqual([
        'FORBIDDEN merchant.orders.nodes.0.destination.recipientPhone',
        'FORBIDDEN node.destination.address',
        'FORBIDDEN orders.nodes.0.destination.recipientName',
        'FORBIDDEN orders.nodes.1.destination.recipientName',
        'FORBIDDEN orders.nodes.2.destination.recipientName',
      ]);
      expect(JSON.stringify(res)).not.toMatch(PERSONAL);
      return;
    }
    expect(res.errors).toBeUndefined();
    const row = (o: { number: string }, recipientName: string | null) => ({
      number: o.number,
      destination: { recipientName },
    });
    const all = [row(theirs, ZHAO.recipientName), row(placed, null), row(picked, LI_NA.recipientName)];
    expect(res.data).toEqual({
      orders: {
        nodes: { OWNER: all.slice(1), OTHER: all.slice(0, 1) }[who as 'OWNER' | 'OTHER'] ?? all,
      },
      merchant: {
        orders: { nodes: who === 'OWNER' ? [] : [{ destination: { recipientPhone: ZHAO.recipientPhone } }] },
      },
      node: who === 'OTHER' ? null : { destination: { address: LI_NA.address } },
    });
  });

  it('lot trace shipments: no trace for a merchant; OFFICIAL sees the order but not its recipient', async () => {
    const res = await ask(
      who,
      `{ traceLot(code: "${lotCode}") {
           shipments { quantity order { number destination { recipientName } } } merchants { code } } }`,
    );
    if (merchant) {
      expect(res.data).toEqual({ traceLot: null });
      expect(refusals(res)).toEqual(['FORBIDDEN traceLot']);
      return;
    }
    const hidden = who === 'OFFICIAL';
    expect(res.data.traceLot).toEqual({
      shipments: [
        {
          quantity: 2,
          order: { number: picked.number, destination: { recipientName: hidden ? null : 'Li Na' } },
        },
      ],
      merchants: [{ code: 'M-BAOFU-01' }],
    });
    expect(refusals(res)).toEqual(
      hidden ? ['FORBIDDEN traceLot.shipments.0.order.destination.recipientName'] : [],
    );
  });
});

describe('orderStatusChanged, every role at once', () => {
  let live: LiveServer;
  const clients: Client[] = [];
  beforeAll(async () => {
    live = await listen(app.gateway);
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await live.close();
  });

  it('a merchant hears its own orders, WAREHOUSE and ADMIN all; OFFICIAL is FORBIDDEN', async () => {
    const query =
      'subscription { orderStatusChanged { number merchant { code } destination { recipientName } } }';
    const subs = {} as Record<Who, ReturnType<typeof subscribe>>;
    for (const who of EVERYONE) {
      const client = wsClient(live.url, tokens[who]);
      clients.push(client);
      subs[who] = subscribe(client, query);
    }
    const official = await subs.OFFICIAL.next();
    expect(official.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    expect(await subs.OFFICIAL.ended()).toBe('complete');
    await eventually(() => live.subscriptions.hub.size === 4, 'four subscriptions to open');

    // Beijie's, then Baofu's, then Beijie's again: a merchant that heard another's would hear it next.
    const first = await placeOrder('M-BEIJIE-02', { ...ZHAO, city: 'Jincheng', province: 'Shanxi' });
    const second = await placeOrder('M-BAOFU-01', { ...LI_NA, city: 'Jincheng', province: 'Shanxi' });
    const third = await placeOrder('M-BEIJIE-02', { stationCode: 'ST-GAODU-BAOFU' });
    const event = (o: { number: string }, code: string, recipientName: string | null) => ({
      data: { orderStatusChanged: { number: o.number, merchant: { code }, destination: { recipientName } } },
    });
    const heard = async (who: Who, n: number) => {
      const results = [];
      for (let i = 0; i < n; i++) results.push(await subs[who].next());
      return results;
    };
    expect(await heard('OWNER', 1)).toEqual([event(second, 'M-BAOFU-01', 'Li Na')]);
    expect(await heard('OTHER', 2)).toEqual([
      event(first, 'M-BEIJIE-02', 'Zhao Lei'),
      event(third, 'M-BEIJIE-02', null),
    ]);
    for (const who of ['WAREHOUSE', 'ADMIN'] as const) {
      expect(await heard(who, 3)).toEqual([
        event(first, 'M-BEIJIE-02', 'Zhao Lei'),
        event(second, 'M-BAOFU-01', 'Li Na'),
        event(third, 'M-BEIJIE-02', null),
      ]);
    }
    // The owner heard nothing after its own order: the next event it gets is the next order of its own.
    const fourth = await placeOrder('M-BAOFU-01', { stationCode: 'ST-GAODU-BAOFU' });
    expect(await heard('OWNER', 1)).toEqual([event(fourth, 'M-BAOFU-01', null)]);
  });
});
