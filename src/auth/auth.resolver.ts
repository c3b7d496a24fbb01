import {
  Arg,
  Authorized,
  Ctx,
  Field,
  ID,
  InputType,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';
import { IsOptional, Length, Matches } from 'class-validator';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { CODE_MESSAGE, CODE_PATTERN } from '../graphql/validation';
import { Principal } from './principal';

@InputType()
export class CreateApiKeyInput {
  @Field(() => Role) role: Role;
  @Field({ nullable: true, description: 'Required for MERCHANT keys, refused for others.' })
  @IsOptional()
  @Matches(CODE_PATTERN, { message: CODE_MESSAGE })
  merchantCode?: string;
  @Field() @Length(1, 80) label: string;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ID) id: string;
  @Field({ description: 'Shown once; only a hash is stored.' }) token: string;
  @Field(() => Role) role: Role;
  @Field() label: string;
}

@Resolver()
export class AuthResolver {
  @Query(() => Principal)
  me(@Ctx() { principal }: Context) {
    return principal;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CreatedApiKey)
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() { services }: Context) {
    return services.apiKeys.create(input.role, input.label, input.merchantCode);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Boolean)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() { services }: Context) {
    return services.apiKeys.revoke(id);
  }
}
