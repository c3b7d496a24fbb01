import pino from 'pino';

/** The process logger; structured JSON lines. The level is set from config at start. */
export const logger = pino({
  level: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'gaodu-gateway' },
});
