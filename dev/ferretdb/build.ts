/** `npm run ferretdb:build`: builds (once) and prints the path of the FerretDB binary the tests run. */
import { ensureFerretdbBinary } from './binary.ts';

try {
  console.log(await ensureFerretdbBinary());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
