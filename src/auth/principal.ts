import { Field, ObjectType } from 'type-graphql';
import { Role } from '../graphql/enums';
import { Merchant } from '../orders/merchant.entity';

/** Who is calling: resolved from the API key once per request. */
@ObjectType()
export class Principal {
  @Field(() => Role)
  role: Role;

  @Field(() => Merchant, { nullable: true, description: 'Set for MERCHANT keys.' })
  merchant: Merchant | null;

  @Field()
  label: string;

  /** The key's id, or "admin-token" for ADMIN_TOKEN; scopes idempotency keys and rate limits. */
  keyScope: string;

  get merchantId(): number | null {
    return this.merchant?.id ?? null;
  }
}
