import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * For the long-running processes: SIGTERM (ECS stopping the task, `npm start` ending) or SIGINT (Ctrl-C)
 * runs `stop` once, however many signals follow, then exits 0.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}
