import pino from 'pino';

/**
 * The process logger; structured JSON lines. It starts at info; the entry points (src/index.ts,
 * src/cluster.ts) set the configuration's level once the configuration is checked.
 */
export const logger = pino({ level: 'info', base: { service: 'gaodu-gateway' } });
