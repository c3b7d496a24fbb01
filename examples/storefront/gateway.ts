import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** An error the gateway answered (`extensions.code`, and `field` for BAD_USER_INPUT), or NETWORK. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown> = {},
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

export interface GatewayOptions {
  /** http(s)://host/graphql */
  url: string;
  /** A MERCHANT key, sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  fetch?: typeof fetch;
}

/** The storefront's one way to call the gateway: a typed document from the client kit and its variables. */
export class Gateway {
  private readonly send: typeof fetch;

  constructor(private readonly options: GatewayOptions) {
    this.send = options.fetch ?? fetch;
  }

  async request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
    let response: Response;
    try {
      response = await this.send(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
        body: JSON.stringify({ query: print(document), variables }),
      });
    } catch (error) {
      throw new GatewayError(`no answer from the gateway: ${(error as Error).message}`, 'NETWORK');
    }
    const body = (await response.json().catch(() => null)) as {
      data?: Result;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    } | null;
    const first = body?.errors?.[0];
    if (first || !body?.data) {
      const code = String(first?.extensions?.code ?? (response.ok ? 'INTERNAL_SERVER_ERROR' : 'NETWORK'));
      throw new GatewayError(
        first?.message ?? `HTTP ${response.status}`,
        code,
        first?.extensions,
        response.status,
      );
    }
    return body.data;
  }
}
