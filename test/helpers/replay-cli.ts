import { Writable } from 'node:stream';
import { runReplayCli } from '#replay/cli';

/** `npm run replay -- ...args` as an operator runs it against this SQS endpoint, its output captured. */
export async function replayCli(
  sqsEndpoint: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        captured[key] += chunk.toString();
        done();
      },
    });
  const code = await runReplayCli(
    [...args, '--sqs-endpoint', sqsEndpoint],
    {},
    { stdout: sink('stdout'), stderr: sink('stderr') },
  );
  return { code, ...captured };
}
