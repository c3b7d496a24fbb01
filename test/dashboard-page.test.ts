/// <reference lib="dom" />
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { seedDemoIfEmpty } from '../seeds/demo';
import { csvObjects } from './support/csv';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The dashboard page in headless Chromium (Debian's chromium; .ci/run installs it) against a server on the
 * demo data set. Every request to anything but the server is blocked and recorded. Screenshots go to
 * $DASHBOARD_SCREENSHOTS (docs/ for the README) or a temporary directory.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.DASHBOARD_SCREENSHOTS ?? join(tmpdir(), 'gaodu-dashboard-shots');

const DASHBOARD = `query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) {
  sales { amount } ordersPlaced ordersDispatched parcelsDispatched unitsDispatched unitsReturned
  stockValue { amount } byMerchantVillage { village sales { amount } merchants } } }`;

let app: TestApp;
let server: Server;
let base: string;
let official: string;
let merchant: string;
let browser: Browser;
let context: BrowserContext;
let blocked: string[];
let graphqlRequests: { query: string; variables: Record<string, string> }[];
let costs: number[];

/** The page's money format: yuan grouped by thousands, exact from the Decimal string. */
const yuan = (amount: string) => {
  const [whole, cents] = amount.split('.');
  return `¥${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
};
const grouped = (n: number) => n.toLocaleString('en-US');

async function api(from: string, to: string) {
  const res = await app.gql(DASHBOARD, { from, to }, official);
  expect(res.errors).toBeUndefined();
  return res.data.dashboard;
}

async function figure(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-figure=${name}] .value`).textContent()) ?? '';
}

async function range(page: Page): Promise<{ from: string; to: string }> {
  return { from: await page.inputValue('#from'), to: await page.inputValue('#to') };
}

async function expectFiguresOfApi(page: Page) {
  const { from, to } = await range(page);
  const d = await api(from, to);
  expect(d.ordersDispatched).toBeGreaterThan(0);
  expect({
    sales: await figure(page, 'sales'),
    ordersPlaced: await figure(page, 'ordersPlaced'),
    ordersDispatched: await figure(page, 'ordersDispatched'),
    parcels: await figure(page, 'parcels'),
    units: await figure(page, 'units'),
    unitsReturned: await figure(page, 'unitsReturned'),
    stockValue: await figure(page, 'stockValue'),
  }).toEqual({
    sales: yuan(d.sales.amount),
    ordersPlaced: grouped(d.ordersPlaced),
    ordersDispatched: grouped(d.ordersDispatched),
    parcels: grouped(d.parcelsDispatched),
    units: grouped(d.unitsDispatched),
    unitsReturned: grouped(d.unitsReturned),
    stockValue: yuan(d.stockValue.amount),
  });
  return d;
}

/** Waits (at most 30 s: the machine may be busy) for the element's text to be `expected`, then checks it. */
async function expectText(page: Page, selector: string, expected: string) {
  await page
    // A function, not a string: the page's Content-Security-Policy forbids the eval a string would need.
    .waitForFunction(
      ([sel, text]) => document.querySelector(sel)?.textContent === text,
      [selector, expected] as const,
      { timeout: 30_000 },
    )
    .catch(() => undefined);
  expect(await page.locator(selector).textContent()).toBe(expected);
}

/** Waits for the page to show the figures of the range starting `from`. */
async function shown(page: Page, from: string) {
  await page.waitForFunction((day) => {
    const updated = document.querySelector('#updated')?.textContent ?? '';
    return updated.includes(day) && !updated.includes('…');
  }, from);
}

async function requestsToBe(n: number) {
  for (let i = 0; i < 100 && graphqlRequests.length < n; i++) await new Promise((r) => setTimeout(r, 100));
  expect(graphqlRequests).toHaveLength(n);
}

async function openPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${base}/dashboard/`);
  return page;
}

async function logIn(page: Page, key: string) {
  await page.fill('#key', key);
  await page.click('#login button[type=submit]');
}

beforeAll(async () => {
  app = await startTestApp();
  const keys = await seedDemoIfEmpty(app.dataSource);
  official = keys!.find((k) => k.role === 'OFFICIAL')!.token;
  merchant = keys!.find((k) => k.role === 'MERCHANT')!.token;
  server = createServer(app.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  mkdirSync(SHOTS, { recursive: true });
}, 600_000);

beforeEach(async () => {
  context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  blocked = [];
  graphqlRequests = [];
  costs = [];
  // The network is the server and nothing else.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`) || url.startsWith('data:') || url.startsWith('blob:'))
      return route.continue();
    blocked.push(url);
    return route.abort();
  });
  context.on('request', (request) => {
    if (request.url() === `${base}/graphql`) graphqlRequests.push(request.postDataJSON());
  });
  context.on('response', async (response) => {
    if (response.url() !== `${base}/graphql`) return;
    const body = await response.json().catch(() => null);
    if (body?.extensions?.cost) costs.push(body.extensions.cost.requestedQueryCost);
  });
});

afterEach(async () => {
  await context.close();
  expect(blocked).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await app?.close();
});

describe('the dashboard page', () => {
  it('shows, in Chinese, the figures the API gives for the last 30 days, in one request within the limits', async () => {
    const page = await openPage();
    expect(await page.locator('h1').textContent()).toBe('高都配送中心数据看板');
    await logIn(page, official);
    await page.waitForSelector('[data-figure=sales]');
    const { from, to } = await range(page);
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    expect(days).toBe(30);
    await expectFiguresOfApi(page);
    expect(await page.locator('[data-figure=sales] .label').textContent()).toBe('销售额');
    expect(graphqlRequests).toHaveLength(1);
    expect(graphqlRequests[0].variables).toEqual({ from, to });
    expect(costs).toHaveLength(1);
    expect(costs[0]).toBeLessThanOrEqual(1000);
    expect(await page.locator('#t-villages tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#t-expiring tbody tr').count()).toBeGreaterThan(0);
    // The key is in this tab's sessionStorage and nowhere else.
    expect(await page.evaluate('JSON.stringify(sessionStorage)')).toContain(official);
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(official);
    expect((await context.cookies()).length).toBe(0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'dashboard-zh.png') });
  });

  it('switches to English and keeps the figures', async () => {
    const page = await openPage();
    await logIn(page, official);
    await page.waitForSelector('[data-figure=sales]');
    await page.click('#lang');
    expect(await page.locator('h1').textContent()).toBe('Gaodu distribution centre dashboard');
    expect(await page.locator('[data-figure=sales] .label').textContent()).toBe('Sales');
    expect(await page.locator('#lang').textContent()).toBe('中文');
    await expectFiguresOfApi(page);
    expect(graphqlRequests).toHaveLength(1);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'dashboard-en.png') });
  });

  it('changes the range with a preset and with dates, one request each, and refuses over 366 days', async () => {
    const page = await openPage();
    await logIn(page, official);
    await page.waitForSelector('[data-figure=sales]');
    await page.click('[data-preset="7"]');
    await requestsToBe(2);
    let { from, to } = await range(page);
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(6);
    await shown(page, from);
    await expectFiguresOfApi(page);

    await page.click('[data-preset="year"]');
    await requestsToBe(3);
    ({ from, to } = await range(page));
    expect(from.endsWith('-01-01')).toBe(true);
    expect(to.slice(0, 4)).toBe(from.slice(0, 4));
    await shown(page, from);
    await expectFiguresOfApi(page);

    await page.fill('#from', '2025-01-01');
    await page.fill('#to', '2026-06-30');
    await page.click('#range button[type=submit]');
    expect(await page.locator('#message').textContent()).toContain('最多可查询 366 天');
    expect(graphqlRequests).toHaveLength(3);
  });

  it('downloads a chart table as CSV equal to the API', async () => {
    const page = await openPage();
    await logIn(page, official);
    await page.waitForSelector('[data-figure=sales]');
    const { from, to } = await range(page);
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.click('.download[data-section=villages]'),
    ]);
    expect(file.suggestedFilename()).toBe(`dashboard-villages-${from}-${to}.csv`);
    const raw = readFileSync((await file.path())!);
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = csvObjects(raw.toString('utf8').slice(1));
    const d = await api(from, to);
    expect(rows.map((r) => Object.values(r))).toEqual(
      d.byMerchantVillage.map((v: any) => [v.village, v.sales.amount, String(v.merchants)]),
    );
    expect(Object.keys(rows[0])).toEqual(['村', '销售额（元）', '商户数']);
  });

  it('says so when the key is wrong, or not one of the office', async () => {
    const page = await openPage();
    await logIn(page, 'gd_official_not-a-real-key');
    await expectText(page, '#message', '密钥无效或已被撤销，请重新输入。');
    expect(await page.isVisible('#login')).toBe(true);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await logIn(page, merchant);
    await expectText(page, '#message', '此密钥无权查看看板：需要 OFFICIAL（县政府办公室）或 ADMIN 密钥。');
  });

  it('says when the rate limit is reached', async () => {
    const page = await openPage();
    await page.route(`${base}/graphql`, (route) =>
      route.fulfill({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '7' },
        body: JSON.stringify({
          errors: [
            { message: 'Rate limit reached', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7 } },
          ],
        }),
      }),
    );
    await logIn(page, official);
    await expectText(page, '#message', '请求过于频繁，请在 7 秒后重试。');
  });

  it('fits a tablet without sideways scrolling', async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 820, height: 1180 },
    ]) {
      const page = await openPage(viewport);
      await logIn(page, official);
      await page.waitForSelector('[data-figure=sales]');
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect([viewport.width, overflow]).toEqual([viewport.width, 0]);
      await page.close();
    }
  });
});
