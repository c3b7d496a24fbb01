import { logger } from '../../src/logger';

// The gateways of the tests run in-process, without the entry points that set the configured level: tests
// log nothing.
logger.level = 'silent';
