import { TestApp } from './test-app';

/** Small helpers that drive stock and orders through the API, failing loudly on any error. */
export function orderFlow(app: TestApp) {
  let seq = 0;
  const must = async (query: string, variables: Record<string, unknown>) => {
    const res = await app.gql(query, variables);
    if (res.errors) throw new Error(`${query.slice(0, 40)} failed: ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  return {
    async receive(
      skuCode: string,
      farmCode: string,
      quantity: number,
      locationCode: string,
      expiresOn?: string,
    ): Promise<string> {
      const data = await must('mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }', {
        input: { idempotencyKey: `receive-${++seq}`, skuCode, farmCode, quantity, locationCode, expiresOn },
      });
      return data.receiveLot.code;
    },
    async place(merchantCode: string, lines: [string, number][]): Promise<string> {
      const data = await must('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }', {
        input: {
          idempotencyKey: `order-${++seq}`,
          merchantCode,
          lines: lines.map(([skuCode, quantity]) => ({ skuCode, quantity })),
          destination: { stationCode: 'ST-GAODU-BAOFU' },
        },
      });
      return data.placeOrder.number;
    },
    allocate: (number: string) =>
      must('mutation($n: String!) { allocateOrder(number: $n) { status } }', { n: number }),
    pick: (number: string) =>
      must('mutation($n: String!) { pickOrder(number: $n) { status } }', { n: number }),
    dispatch: (number: string, carrierCode: string, parcels: number) =>
      must('mutation($input: DispatchOrderInput!) { dispatchOrder(input: $input) { status } }', {
        input: { number, carrierCode, trackingNumber: `T-${number}`, parcels },
      }),
    deliver: (number: string) =>
      must('mutation($n: String!) { markDelivered(number: $n) { status } }', { n: number }),
    cancel: (number: string) =>
      must('mutation($n: String!, $r: String!) { cancelOrder(number: $n, reason: $r) { status } }', {
        n: number,
        r: 'customer changed mind',
      }),
    returnOrder: (number: string, lines: [string, number, string][], locationCode?: string) =>
      must('mutation($input: ReturnOrderInput!) { returnOrder(input: $input) { status } }', {
        input: {
          idempotencyKey: `return-${++seq}`,
          number,
          lines: lines.map(([skuCode, quantity, condition]) => ({ skuCode, quantity, condition })),
          locationCode,
          reason: 'refused by the buyer',
        },
      }),
    /** Place, allocate, pick and dispatch. */
    async ship(
      merchantCode: string,
      lines: [string, number][],
      carrierCode: string,
      parcels: number,
    ): Promise<string> {
      const number = await this.place(merchantCode, lines);
      await this.allocate(number);
      await this.pick(number);
      await this.dispatch(number, carrierCode, parcels);
      return number;
    },
  };
}
