import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'almanach';

/** One logger and one metrics namespace for every function; entry points add their own keys. */
export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: 'Almanach', serviceName: SERVICE_NAME });
