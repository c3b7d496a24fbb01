import pino from 'pino';
import { loadConfig } from './config';

/**
 * The level the logger starts at: the configuration's. A bad environment is refused by the configuration
 * check at start with a clear message (never by pino at import), so here it only falls back to info.
 */
function startLevel(): string {
  try {
    return loadConfig().logLevel;
  } catch {
    return 'info';
  }
}

/** The process logger; structured JSON lines. */
export const logger = pino({ level: startLevel(), base: { service: 'gaodu-gateway' } });
