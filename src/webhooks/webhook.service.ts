import { randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { mayManageWebhookEndpoint } from '../auth/access-policy';
import { Principal } from '../auth/principal';
import { inTransaction } from '../db/transaction';
import { Connection, ConnectionArgs, paginate } from '../graphql/connection';
import { Role } from '../graphql/enums';
import { badInput, conflict, forbidden, notFound } from '../graphql/errors';
import { fromGlobalId } from '../graphql/node';
import { Merchant } from '../orders/merchant.entity';
import { forUpdate } from '../stock/stock-sql';
import { currentTime } from '../time';
import { hostOf, parseWebhookUrl, resolvePermitted, UrlRefused } from './url-guard';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookDeliveryStatus, WebhookEventType } from './webhook.enums';
import { CreateWebhookEndpointInput } from './webhook.inputs';

export const MAX_ENDPOINTS_PER_MERCHANT = 10;

export interface CreatedWebhookEndpointResult {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** Webhook endpoints and their deliveries (the outbox rows the dispatcher sends). */
export class WebhookService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly allowPrivateUrls: boolean,
  ) {}

  /** Called when a delivery is due now (redelivery), so the dispatcher need not wait for its next poll. */
  onDue: () => void = () => undefined;

  /** Registers an endpoint after checking its URL; the secret is returned here only. */
  async createEndpoint(
    principal: Principal,
    input: CreateWebhookEndpointInput,
  ): Promise<CreatedWebhookEndpointResult> {
    const merchantId = await this.ownerFor(principal, input.merchantCode);
    try {
      const url = parseWebhookUrl(input.url, this.allowPrivateUrls);
      await resolvePermitted(hostOf(url), this.allowPrivateUrls);
    } catch (error) {
      if (error instanceof UrlRefused) throw badInput('url', error.message);
      throw error;
    }
    const events = Object.values(WebhookEventType).filter((e) => input.events.includes(e));
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const endpoint = await inTransaction(this.dataSource, async (m) => {
      // One writer per merchant at a time, so two concurrent registrations cannot pass the limit together.
      if (merchantId !== null)
        await m.query(`SELECT id FROM merchant WHERE id = ?${forUpdate(m)}`, [merchantId]);
      const count = await m.countBy(WebhookEndpoint, { merchantId: merchantId ?? IsNull() });
      if (count >= MAX_ENDPOINTS_PER_MERCHANT)
        throw conflict(
          `At most ${MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints per merchant; delete one before adding another`,
        );
      return m.save(
        m.create(WebhookEndpoint, {
          url: input.url,
          events,
          merchantId,
          secret,
          active: true,
          createdAt: currentTime(),
        }),
      );
    });
    return { endpoint, secret };
  }

  /** Deletes an endpoint and every delivery of it. NOT_FOUND when the caller may not see it. */
  async deleteEndpoint(principal: Principal, id: string): Promise<boolean> {
    const endpoint = await this.endpointFor(principal, id, 'id');
    await inTransaction(this.dataSource, async (m) => {
      await m.delete(WebhookDelivery, { endpointId: endpoint.id });
      await m.delete(WebhookEndpoint, { id: endpoint.id });
    });
    return true;
  }

  /** A merchant's own endpoints; ADMIN all. Oldest first. */
  async endpoints(principal: Principal): Promise<WebhookEndpoint[]> {
    // Narrowed in SQL to a merchant key's own; the access policy decides.
    const where = principal.merchantId === null ? {} : { merchantId: principal.merchantId };
    const endpoints = await this.dataSource
      .getRepository(WebhookEndpoint)
      .find({ where, order: { id: 'ASC' } });
    return endpoints.filter((e) => mayManageWebhookEndpoint(principal, e));
  }

  endpointById(id: number): Promise<WebhookEndpoint | null> {
    return this.dataSource.getRepository(WebhookEndpoint).findOneBy({ id });
  }

  /** An endpoint's deliveries, newest first. */
  async deliveries(
    principal: Principal,
    endpointId: string,
    status: WebhookDeliveryStatus | null,
    page: ConnectionArgs,
  ): Promise<Connection<WebhookDelivery>> {
    const endpoint = await this.endpointFor(principal, endpointId, 'endpointId');
    const query = this.dataSource
      .getRepository(WebhookDelivery)
      .createQueryBuilder('d')
      .where('d.endpoint_id = :endpointId', { endpointId: endpoint.id });
    if (status != null) query.andWhere('d.status = :status', { status });
    return paginate(query, page, null, 'DESC');
  }

  /** Makes a delivery due now, whatever its status; the same delivery id. */
  async redeliver(principal: Principal, deliveryId: string): Promise<WebhookDelivery> {
    const parsed = fromGlobalId(deliveryId);
    const repo = this.dataSource.getRepository(WebhookDelivery);
    const delivery =
      parsed?.type === WebhookDelivery.nodeType ? await repo.findOneBy({ id: parsed.id }) : null;
    const endpoint = delivery && (await this.endpointById(delivery.endpointId));
    if (!delivery || !endpoint || !mayManageWebhookEndpoint(principal, endpoint))
      throw notFound('Webhook delivery', deliveryId, 'deliveryId');
    await repo.update(
      { id: delivery.id },
      {
        status: WebhookDeliveryStatus.PENDING,
        nextAttemptAt: currentTime(),
        leaseOwner: null,
        leaseUntil: null,
      },
    );
    this.onDue();
    return repo.findOneByOrFail({ id: delivery.id });
  }

  private async endpointFor(principal: Principal, globalId: string, field: string): Promise<WebhookEndpoint> {
    const parsed = fromGlobalId(globalId);
    const endpoint = parsed?.type === WebhookEndpoint.nodeType ? await this.endpointById(parsed.id) : null;
    if (!endpoint || !mayManageWebhookEndpoint(principal, endpoint))
      throw notFound('Webhook endpoint', globalId, field);
    return endpoint;
  }

  /** The merchant an endpoint is for: a MERCHANT key's own; ADMIN's merchantCode, or none (every event). */
  private async ownerFor(principal: Principal, merchantCode: string | undefined): Promise<number | null> {
    if (principal.role === Role.MERCHANT) {
      if (merchantCode != null && merchantCode !== principal.merchant!.code)
        throw forbidden('A MERCHANT key registers webhook endpoints only for its own merchant');
      return principal.merchantId;
    }
    if (merchantCode == null) return null;
    const merchant = await this.dataSource.getRepository(Merchant).findOneBy({ code: merchantCode });
    if (!merchant) throw notFound('Merchant', merchantCode, 'merchantCode');
    return merchant.id;
  }
}
