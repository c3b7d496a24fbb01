import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { badInput, notFound } from '../graphql/errors';
import { Role } from '../graphql/enums';
import { fromGlobalId, toGlobalId } from '../graphql/node';
import { Merchant } from '../orders/merchant.entity';
import { ApiKey } from './api-key.entity';
import { Principal } from './principal';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedKey {
  id: string;
  token: string;
  role: Role;
  label: string;
}

/**
 * API keys: issues tokens (stored only as hashes), revokes them, and turns a bearer token into a Principal.
 */
export class ApiKeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly adminToken?: string,
  ) {}

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
      createdAt: new Date(),
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
    await repo.update({ id: key.id }, { revokedAt: new Date() });
    return true;
  }

  /** The caller of a bearer token, or null for an unknown or revoked one. */
  async authenticate(token: string): Promise<Principal | null> {
    if (this.adminToken && safeEqual(token, this.adminToken)) {
      return Object.assign(new Principal(), {
        role: Role.ADMIN,
        merchant: null,
        label: 'admin-token',
        keyScope: 'admin-token',
      });
    }
    const key = await this.dataSource.getRepository(ApiKey).findOneBy({ tokenHash: hashToken(token) });
    if (!key || key.revokedAt) return null;
    const merchant = key.merchantId
      ? await this.dataSource.getRepository(Merchant).findOneBy({ id: key.merchantId })
      : null;
    return Object.assign(new Principal(), {
      role: key.role,
      merchant,
      label: key.label,
      keyScope: String(key.id),
    });
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(hashToken(a));
  const right = Buffer.from(hashToken(b));
  return timingSafeEqual(left, right);
}
