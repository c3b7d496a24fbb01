import { Principal } from './auth/principal';
import { Loaders } from './loaders';
import type { Services } from './services';

/** What every resolver receives: the caller, this request's loaders, and the services (no data source). */
export interface Context {
  principal: Principal;
  loaders: Loaders;
  services: Services;
}
