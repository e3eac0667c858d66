/** `npm run ferretdb:build`: builds (once) and prints the path of the FerretDB binary the tests run. */

import { errorMessage } from '#observability/thrown';
import { ensureFerretdbBinary } from './binary.ts';

try {
  console.log(await ensureFerretdbBinary());
} catch (error) {
  console.error(errorMessage(error));
  process.exitCode = 1;
}
