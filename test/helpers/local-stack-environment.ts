import type { Topology } from '#amqp/topology';
import { topologyEnvironment } from './rabbitmq.ts';

export interface IsolatedStackOptions {
  topology: Topology;
  /** Where the embedded FerretDB keeps its data. */
  dataDir: string;
  queueName: string;
  /** Ignore MONGODB_URI and run the embedded FerretDB, as on a fresh machine. */
  embeddedMongo: boolean;
}

/**
 * The environment of `npm start` (dev/start.ts) for a run of its own: a topology, queue name, data
 * directory and ports no other run on this machine uses, and the embedded SQS even when the environment
 * points at another.
 */
export function isolatedStackEnvironment(options: IsolatedStackOptions): NodeJS.ProcessEnv {
  const { SQS_ENDPOINT: _sqs, INGEST_QUEUE_URL: _queue, MONGODB_URI, ...rest } = process.env;
  return {
    ...rest,
    ...(!options.embeddedMongo && MONGODB_URI !== undefined && { MONGODB_URI }),
    ...topologyEnvironment(options.topology),
    LOCAL_DATA_DIR: options.dataDir,
    PORT: '0',
    SQS_EMULATOR_PORT: '0',
    BRIDGE_HEALTH_PORT: '0',
    INGEST_QUEUE_NAME: options.queueName,
  };
}
