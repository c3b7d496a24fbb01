import express from 'express';
import request from 'supertest';
import { LateWork, withDeadline } from '../src/http-errors';
import { tryAgainResponse } from '../src/graphql/errors';
import { Farm } from '../src/catalog/farm.entity';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const auth = `Bearer ${ADMIN_TOKEN}`;

describe.each([
  ['production', true],
  ['development', false],
])('NODE_ENV=%s', (nodeEnv, production) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: nodeEnv });
  });
  afterAll(() => app.close());

  it(production ? 'refuses introspection' : 'allows introspection', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Farm") { name } }']) {
      const res = await app.gql(query);
      if (production) {
        expect(res.status).toBe(400);
        expect(res.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.data).toBeUndefined();
      } else {
        expect(res.errors).toBeUndefined();
      }
    }
  });

  it(production ? 'serves no landing page' : 'sends a browser to the local GraphiQL', async () => {
    const res = await request(app.gateway.app).get('/graphql').set('accept', 'text/html');
    if (production) {
      expect(res.status).toBe(400);
      expect(res.text).not.toMatch(/<html/i);
    } else {
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/graphiql');
    }
  });

  it(
    production
      ? 'gives no "did you mean" suggestions and no stack traces'
      : 'gives suggestions and stack traces',
    async () => {
      const res = await app.gql('{ farms { nodes { nme } } }');
      expect(res.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const unknownArg = await app.gql('{ farm(cod: "X") { name } }');
      const text = JSON.stringify([res.errors, unknownArg.errors]);
      if (production) {
        expect(text).not.toMatch(/did you mean/i);
        expect(text).not.toMatch(/stacktrace|\.ts:\d+/);
      } else {
        expect(text).toMatch(/did you mean/i);
        expect(text).toMatch(/stacktrace/);
      }
    },
  );

  it('masks unexpected errors without SQL or stack', async () => {
    const spy = jest
      .spyOn(app.gateway.services.catalog, 'farmByCode')
      .mockRejectedValueOnce(new Error('ER_PARSE_ERROR near SELECT * FROM farm'));
    const res = await app.gql('{ farm(code: "FARM-X") { name } }');
    spy.mockRestore();
    expect(res.errors?.[0]).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(res.errors)).not.toMatch(/SELECT|stacktrace/);
  });

  // A thrown value that is not an Error of this realm (as the driver's network errors are inside jest, or
  // anything thrown that is not an Error) is masked or answered TRY_AGAIN all the same.
  it('masks unexpected errors that are not Errors, and answers database faults among them TRY_AGAIN', async () => {
    const placeOrder = `mutation { placeOrder(input: { idempotencyKey: "k-1", merchantCode: "M-1",
      lines: [{ skuCode: "S-1", quantity: 1 }], destination: { stationCode: "ST-1" } }) { number } }`;
    const spy = jest
      .spyOn(app.gateway.services.orders, 'placeOrder')
      .mockRejectedValueOnce(new Error('ER_PARSE_ERROR near SELECT * FROM orders'))
      .mockRejectedValueOnce({ message: 'ER_PARSE_ERROR near SELECT * FROM orders' })
      .mockRejectedValueOnce({ message: 'connect ECONNREFUSED 127.0.0.1:3306', code: 'ECONNREFUSED' });
    const answers = [await app.gql(placeOrder), await app.gql(placeOrder)];
    const fault = await app.gql(placeOrder);
    spy.mockRestore();
    for (const unexpected of answers) {
      expect(unexpected.errors).toMatchObject([
        { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
      expect(JSON.stringify(unexpected.errors)).not.toMatch(/SELECT/);
    }
    expect(fault.errors).toMatchObject([{ extensions: { code: 'TRY_AGAIN' } }]);
    expect(fault.status).toBe(503);
  });

  it('keeps CSRF prevention on: a simple cross-site request is refused', async () => {
    const count = await app.dataSource.getRepository(Farm).count();
    const form = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', auth)
      .set('content-type', 'text/plain')
      .send(
        JSON.stringify({
          query:
            'mutation { createFarm(input: { code: "FARM-CSRF-1", name: "n", village: "v", township: "t", county: "c" }) { id } }',
        }),
      );
    expect(form.status).toBe(400);
    const get = await request(app.gateway.app)
      .get('/graphql')
      .query({ query: '{ me { label } }' })
      .set('authorization', auth);
    expect(get.status).toBe(400);
    expect(get.text).toMatch(/CSRF|preflight/i);
    expect(await app.dataSource.getRepository(Farm).count()).toBe(count);
  });

  it('answers queries over GET with a preflight header, refuses mutations over GET with 405', async () => {
    const query = await request(app.gateway.app)
      .get('/graphql')
      .query({ query: '{ me { label } }' })
      .set('authorization', auth)
      .set('apollo-require-preflight', 'true');
    expect(query.status).toBe(200);
    expect(query.body.data).toEqual({ me: { label: 'admin-token' } });
    expect(query.body.extensions.cost.requestedQueryCost).toBe(1);
    const count = await app.dataSource.getRepository(Farm).count();
    const mutation = await request(app.gateway.app)
      .get('/graphql')
      .query({
        query:
          'mutation { createFarm(input: { code: "FARM-GET-1", name: "n", village: "v", township: "t", county: "c" }) { id } }',
      })
      .set('authorization', auth)
      .set('apollo-require-preflight', 'true');
    expect(mutation.status).toBe(405);
    expect(await app.dataSource.getRepository(Farm).count()).toBe(count);
  });

  it('refuses batched requests', async () => {
    const res = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', auth)
      .send([{ query: '{ me { label } }' }, { query: '{ me { role } }' }]);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/batch/i);
  });

  it('refuses a body over the size limit with 413', async () => {
    const count = await app.dataSource.getRepository(Farm).count();
    const res = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', auth)
      .send({
        query: 'query($s: String) { farms(filter: { search: $s }) { totalCount } }',
        variables: { s: 'x'.repeat(300 * 1024) },
      });
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.text).not.toMatch(/at .*\.js:\d+|<html/);
    expect(await app.dataSource.getRepository(Farm).count()).toBe(count);
  });
});

describe('slow requests', () => {
  it('get a 503 TRY_AGAIN when the response deadline passes, and the late answer never reaches the socket', async () => {
    const late = new LateWork();
    let finished!: () => void;
    const workDone = new Promise<void>((resolve) => (finished = resolve));
    const app = express();
    const errors: unknown[] = [];
    app.use(
      '/graphql',
      withDeadline(
        async (_req, res) => {
          await workDone;
          // What Apollo's express integration does when its work ends: write the headers and the body.
          res.setHeader('content-type', 'application/json');
          res.send('{"data":"late"}');
        },
        20,
        late,
        (_req, res) => {
          const answer = tryAgainResponse('deadline');
          res.status(answer.status).set('retry-after', answer.retryAfter).json(answer.body);
        },
      ),
    );
    app.use((error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
      errors.push(error);
      next(error);
    });
    const res = await request(app).post('/graphql').send({ query: '{ me { label } }' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.errors[0].extensions).toEqual({ code: 'TRY_AGAIN', retryAfterSeconds: 1 });
    expect(res.body.errors[0].message).toMatch(/same idempotency key/);
    expect(late.count).toBe(1);
    finished();
    await late.idle();
    expect(late.count).toBe(0);
    // The late write failed on the headers already sent and was dropped, not handed to express (which would
    // destroy the keep-alive socket).
    expect(errors).toEqual([]);
  });
});
