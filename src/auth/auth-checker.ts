import { AuthChecker } from 'type-graphql';
import { forbidden } from '../graphql/errors';
import { Role } from '../graphql/enums';
import { Context } from '../context';

/** `@Authorized(roles)`: ADMIN may do everything; others only what the roles list. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  const role = context.principal.role;
  if (role === Role.ADMIN || roles.length === 0 || roles.includes(role)) return true;
  throw forbidden(`A ${role} key may not do this; it needs ${roles.join(' or ')}`);
};
