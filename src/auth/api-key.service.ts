import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';
import { API_KEYS_REVOKED, GatewayEvents } from '../events';
import { badInput, notFound } from '../graphql/errors';
import { Role } from '../graphql/enums';
import { fromGlobalId, toGlobalId } from '../graphql/node';
import { Merchant } from '../orders/merchant.entity';
import { ApiKey } from './api-key.entity';
import { Principal } from './principal';
import { currentTime } from '../time';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedKey {
  id: string;
  token: string;
  role: Role;
  label: string;
}

/** How long a looked-up key is kept at most (revocation drops it at once, see ApiKeyService). */
const KEY_TTL_MS = 30_000;
const KEYS_KEPT = 10_000;

/**
 * API keys: issues tokens (stored only as hashes), revokes them, and turns a bearer token into a Principal.
 * Keys looked up are kept for KEY_TTL_MS; a revocation drops the key on this instance before it returns and
 * on every other one as soon as they hear of it (through Redis when REDIS_URL is set).
 */
export class ApiKeyService {
  private readonly known = new Map<string, { principal: Principal; keyId: number; until: number }>();
  /** Database lookups running now, by token hash, with the revocations heard when each began. */
  private readonly lookups = new Map<string, { principal: Promise<Principal | null>; revocations: number }>();
  /** Revocations heard so far: a lookup that overlapped one is not kept. */
  private revocations = 0;
  private readonly adminTokenHash: Buffer | null;

  constructor(
    private readonly dataSource: DataSource,
    adminToken?: string,
    private readonly events?: GatewayEvents,
  ) {
    this.adminTokenHash = adminToken ? Buffer.from(hashToken(adminToken), 'hex') : null;
    if (events instanceof EventEmitter) events.on(API_KEYS_REVOKED, (ids: number[]) => this.forget(ids));
  }

  /** Keys kept now. */
  get keptKeys(): number {
    return this.known.size;
  }

  private forget(keyIds: number[]): void {
    this.revocations++;
    for (const [hash, entry] of this.known) if (keyIds.includes(entry.keyId)) this.known.delete(hash);
  }

  async create(role: Role, label: string, merchantCode?: string | null): Promise<CreatedKey> {
    let merchantId: number | null = null;
    if (role === Role.MERCHANT) {
      if (!merchantCode) throw badInput('merchantCode', 'merchantCode is required for a MERCHANT key');
      const merchant = await this.dataSource.getRepository(Merchant).findOneBy({ code: merchantCode });
      if (!merchant) throw notFound('Merchant', merchantCode, 'merchantCode');
      merchantId = merchant.id;
    } else if (merchantCode) {
      throw badInput('merchantCode', `merchantCode is only for MERCHANT keys, not ${role}`);
    }
    const token = `gd_${role.toLowerCase()}_${randomBytes(24).toString('base64url')}`;
    const key = await this.dataSource.getRepository(ApiKey).save({
      tokenHash: hashToken(token),
      role,
      merchantId,
      label,
      createdAt: currentTime(),
      revokedAt: null,
    });
    return { id: toGlobalId('ApiKey', key.id), token, role, label };
  }

  /** Revokes a key; false when it was revoked already. */
  async revoke(globalId: string): Promise<boolean> {
    const parsed = fromGlobalId(globalId);
    if (!parsed || parsed.type !== 'ApiKey')
      throw badInput('id', `id is not an API key id: ${globalId.slice(0, 60)}`);
    const repo = this.dataSource.getRepository(ApiKey);
    const key = await repo.findOneBy({ id: parsed.id });
    if (!key) throw notFound('ApiKey', globalId, 'id');
    if (key.revokedAt) return false;
    await repo.update({ id: key.id }, { revokedAt: currentTime() });
    this.forget([key.id]);
    this.events?.apiKeysRevoked([key.id]);
    return true;
  }

  /** The caller of a bearer token, or null for an unknown or revoked one. */
  async authenticate(token: string): Promise<Principal | null> {
    const tokenHash = hashToken(token);
    // Compared as hashes of equal length, in constant time.
    if (this.adminTokenHash && timingSafeEqual(Buffer.from(tokenHash, 'hex'), this.adminTokenHash)) {
      return Object.assign(new Principal(), {
        role: Role.ADMIN,
        merchant: null,
        label: 'admin-token',
        keyScope: 'admin-token',
      });
    }
    const now = Date.now();
    const kept = this.known.get(tokenHash);
    if (kept && kept.until > now) return kept.principal;
    // Requests with one key at once (the first second of a flash sale) share one lookup, unless a revocation
    // was heard since it began.
    const running = this.lookups.get(tokenHash);
    if (running && running.revocations === this.revocations) return running.principal;
    const lookup = { principal: this.lookUp(tokenHash, now), revocations: this.revocations };
    this.lookups.set(tokenHash, lookup);
    try {
      return await lookup.principal;
    } finally {
      if (this.lookups.get(tokenHash) === lookup) this.lookups.delete(tokenHash);
    }
  }

  /** The key of this hash from the database, kept unless a revocation was heard meanwhile. */
  private async lookUp(tokenHash: string, now: number): Promise<Principal | null> {
    const revocations = this.revocations;
    const key = await this.dataSource.getRepository(ApiKey).findOneBy({ tokenHash });
    if (!key || key.revokedAt) return null;
    const merchant = key.merchantId
      ? await this.dataSource.getRepository(Merchant).findOneBy({ id: key.merchantId })
      : null;
    const principal = Object.assign(new Principal(), {
      role: key.role,
      merchant,
      label: key.label,
      keyScope: String(key.id),
    });
    if (revocations === this.revocations) {
      this.known.delete(tokenHash);
      this.known.set(tokenHash, { principal, keyId: key.id, until: now + KEY_TTL_MS });
      if (this.known.size > KEYS_KEPT) this.known.delete(this.known.keys().next().value!);
    }
    return principal;
  }
}
