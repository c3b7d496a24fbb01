import { createHmac, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { DataSource, In } from 'typeorm';
import { inTransaction } from '../db/transaction';
import { logger } from '../logger';
import { Metrics } from '../metrics';
import { execute, sqlInstant } from '../stock/stock-sql';
import { Clock, systemClock } from '../time';
import { guardedLookup, hostOf, isPublicAddress, parseWebhookUrl } from './url-guard';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookDeliveryStatus } from './webhook.enums';

/** Waits after the 1st, 2nd, ... failed attempt; every 6 hours after the last. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 21_600_000];
/** Retries stop this long after the event: the delivery is FAILED. */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
/** DELIVERED rows are deleted this long after delivery. */
export const KEEP_DELIVERED_MS = 7 * 24 * 3_600_000;
/** Up to this much is added to each wait, so endpoints that failed together are not retried together. */
export const JITTER = 0.2;

/** The wait after `attempts` failed attempts, with jitter from `random` (0..1). */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1];
  return Math.round(base * (1 + JITTER * random()));
}

/** x-gaodu-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface DispatcherOptions {
  allowPrivateUrls: boolean;
  metrics?: Metrics;
  clock?: Clock;
  random?: () => number;
  /** How often due deliveries are looked for. */
  pollMs?: number;
  /** Attempts in flight on this instance at most. */
  concurrency?: number;
  /** Attempts in flight to one endpoint at most, so a slow endpoint cannot take every slot. */
  perEndpoint?: number;
  /** An attempt that has no answer after this long failed. */
  timeoutMs?: number;
  /** How long a claim keeps other instances off a delivery; longer than an attempt can take. */
  leaseMs?: number;
}

interface Outcome {
  statusCode: number | null;
  error: string | null;
}

/**
 * Sends due outbox rows: claims them with a lease (a conditional UPDATE, so with several instances each
 * delivery is attempted by one at a time), POSTs each signed, and records the outcome: DELIVERED on a 2xx,
 * else the next attempt with backoff, or FAILED 24 hours after the event. Rows whose lease ran out (an
 * instance stopped mid-attempt) are due again, so nothing is lost across restarts.
 */
export class WebhookDispatcher {
  readonly instanceId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly inFlightByEndpoint = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private claims = 0;
  private lastCleanup = 0;
  private lastDepth = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DispatcherOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.pollMs = options.pollMs ?? 1000;
    this.concurrency = options.concurrency ?? 16;
    this.perEndpoint = options.perEndpoint ?? 2;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Looks for due deliveries now instead of at the next poll. */
  wake(): void {
    if (this.running) this.schedule(0);
  }

  /** Stops claiming and waits for the attempts in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.all(this.inFlight.values());
  }

  /** One round: claims what is due and sends it; resolves when those attempts are recorded. */
  async runOnce(): Promise<number> {
    const started = await this.claimAndSend();
    await Promise.all(started);
    return started.length;
  }

  /** Deletes DELIVERED rows older than 7 days; returns how many. */
  async cleanUp(): Promise<number> {
    const cutoff = new Date(this.clock().getTime() - KEEP_DELIVERED_MS);
    let total = 0;
    for (;;) {
      const old: { id: number | string }[] = await this.dataSource.query(
        'SELECT id FROM webhook_delivery WHERE status = ? AND delivered_at < ? ORDER BY id LIMIT 500',
        [WebhookDeliveryStatus.DELIVERED, sqlInstant(this.dataSource, cutoff)],
      );
      if (old.length === 0) return total;
      await inTransaction(this.dataSource, (m) =>
        m.delete(WebhookDelivery, {
          id: In(old.map((r) => Number(r.id))),
          status: WebhookDeliveryStatus.DELIVERED,
        }),
      );
      total += old.length;
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        if (this.running && !this.timer) this.schedule(this.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    try {
      await this.claimAndSend();
      const now = this.clock().getTime();
      if (now - this.lastDepth >= 5000) {
        this.lastDepth = now;
        const [row] = await this.dataSource.query(
          'SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = ?',
          [WebhookDeliveryStatus.PENDING],
        );
        this.options.metrics?.webhookQueueDepth.set(Number(row.n));
      }
      if (now - this.lastCleanup >= 600_000) {
        this.lastCleanup = now;
        await this.cleanUp();
      }
    } catch (error) {
      logger.error({ err: error }, 'webhook dispatcher round failed');
    }
  }

  /** Claims due deliveries for the free slots (perEndpoint per endpoint at most) and starts them. */
  private async claimAndSend(): Promise<Promise<void>[]> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return [];
    const now = this.clock();
    const at = sqlInstant(this.dataSource, now);
    // The earliest due rows of each endpoint, a few per endpoint, so one endpoint's backlog cannot hide the
    // others'.
    const due: { id: number | string; endpoint_id: number | string }[] = await this.dataSource.query(
      `SELECT w.id AS id, w.endpoint_id AS endpoint_id FROM (
         SELECT d.id, d.endpoint_id, d.next_attempt_at,
           ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rn
         FROM webhook_delivery d
         WHERE d.status = ? AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
       ) w WHERE w.rn <= ? ORDER BY w.next_attempt_at, w.id LIMIT ?`,
      [WebhookDeliveryStatus.PENDING, at, at, this.perEndpoint, free * 4],
    );
    const picked: number[] = [];
    const taken = new Map<number, number>();
    for (const row of due) {
      if (picked.length >= free) break;
      const endpointId = Number(row.endpoint_id);
      const busy = (this.inFlightByEndpoint.get(endpointId) ?? 0) + (taken.get(endpointId) ?? 0);
      if (busy >= this.perEndpoint || this.inFlight.has(Number(row.id))) continue;
      taken.set(endpointId, (taken.get(endpointId) ?? 0) + 1);
      picked.push(Number(row.id));
    }
    if (picked.length === 0) return [];
    const token = `${this.instanceId}:${++this.claims}`;
    const until = new Date(now.getTime() + this.leaseMs);
    // The lease: only rows still due and unleased are taken, so two instances never claim the same row.
    await inTransaction(this.dataSource, (m) =>
      execute(
        m,
        `UPDATE webhook_delivery SET lease_owner = ?, lease_until = ?
         WHERE id IN (${picked.map(() => '?').join(', ')}) AND status = ? AND next_attempt_at <= ?
           AND (lease_until IS NULL OR lease_until < ?)`,
        [
          token,
          sqlInstant(m, until),
          ...picked,
          WebhookDeliveryStatus.PENDING,
          sqlInstant(m, now),
          sqlInstant(m, now),
        ],
      ),
    );
    const claimed = await this.dataSource.getRepository(WebhookDelivery).findBy({ leaseOwner: token });
    const endpoints = await this.dataSource
      .getRepository(WebhookEndpoint)
      .findBy({ id: In([...new Set(claimed.map((d) => d.endpointId))]) });
    const endpointById = new Map(endpoints.map((e) => [e.id, e]));
    return claimed.map((delivery) => {
      const endpointId = delivery.endpointId;
      this.inFlightByEndpoint.set(endpointId, (this.inFlightByEndpoint.get(endpointId) ?? 0) + 1);
      const attempt = this.attempt(delivery, endpointById.get(endpointId) ?? null, token)
        .catch((error) => logger.error({ err: error, delivery: delivery.id }, 'webhook attempt not recorded'))
        .finally(() => {
          this.inFlight.delete(delivery.id);
          const left = (this.inFlightByEndpoint.get(endpointId) ?? 1) - 1;
          if (left > 0) this.inFlightByEndpoint.set(endpointId, left);
          else this.inFlightByEndpoint.delete(endpointId);
          // A slot is free: look for more now rather than at the next poll.
          if (this.running) this.schedule(0);
        });
      this.inFlight.set(delivery.id, attempt);
      return attempt;
    });
  }

  private async attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint | null, token: string) {
    const outcome: Outcome = endpoint
      ? await this.post(endpoint, delivery)
      : { statusCode: null, error: 'the endpoint was deleted' };
    const now = this.clock();
    const attempts = delivery.attempts + 1;
    const delivered = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    let status = WebhookDeliveryStatus.DELIVERED;
    let next: Date | null = null;
    if (!delivered) {
      next = new Date(now.getTime() + retryDelayMs(attempts, this.random));
      status = WebhookDeliveryStatus.PENDING;
      if (!endpoint || next.getTime() > delivery.createdAt.getTime() + RETRY_WINDOW_MS) {
        status = WebhookDeliveryStatus.FAILED;
        next = null;
      }
    }
    const changed = await inTransaction(this.dataSource, (m) =>
      execute(
        m,
        `UPDATE webhook_delivery SET status = ?, attempts = attempts + 1, last_status_code = ?, last_error = ?,
           next_attempt_at = ?, delivered_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND lease_owner = ?`,
        [
          status,
          outcome.statusCode,
          outcome.error?.slice(0, 300) ?? null,
          next && sqlInstant(m, next),
          delivered ? sqlInstant(m, now) : null,
          delivery.id,
          token,
        ],
      ),
    );
    // 0 rows: redeliverWebhook (or an expired lease) handed the row on meanwhile; the newer claim records it.
    if (changed === 1) {
      const outcomeLabel = delivered
        ? 'delivered'
        : status === WebhookDeliveryStatus.FAILED
          ? 'failed'
          : 'retried';
      this.options.metrics?.webhookDeliveries.inc({ outcome: outcomeLabel });
    }
  }

  /** One signed POST, to an address checked as it is connected to; never follows redirects. */
  private post(endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<Outcome> {
    const body = delivery.payload;
    const timestamp = Math.floor(this.clock().getTime() / 1000);
    const allowPrivate = this.options.allowPrivateUrls;
    return new Promise<Outcome>((resolve) => {
      let url: URL;
      try {
        url = parseWebhookUrl(endpoint.url, allowPrivate);
      } catch (error) {
        resolve({ statusCode: null, error: (error as Error).message });
        return;
      }
      const host = hostOf(url);
      if (isIP(host) && !allowPrivate && !isPublicAddress(host)) {
        resolve({ statusCode: null, error: `${host} is not a public address` });
        return;
      }
      let settled = false;
      const finish = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(allowPrivate) as never,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'gaodu-webhooks/1',
          'x-gaodu-delivery': delivery.nodeId,
          'x-gaodu-event': delivery.event,
          'x-gaodu-timestamp': String(timestamp),
          'x-gaodu-signature': signature(endpoint.secret, timestamp, body),
        },
      });
      const timer = setTimeout(() => {
        finish({ statusCode: null, error: `no answer within ${this.timeoutMs / 1000} s` });
        req.destroy();
      }, this.timeoutMs);
      req.on('response', (res) => {
        finish({
          statusCode: res.statusCode ?? null,
          error:
            res.statusCode && res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`,
        });
        res.resume();
        res.on('error', () => undefined);
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({ statusCode: null, error: error.code ? `${error.code}: ${error.message}` : error.message }),
      );
      req.end(body);
    });
  }
}
