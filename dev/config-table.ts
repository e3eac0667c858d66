import { contextTable } from '../infra/context-table.ts';
import { environmentTables } from './configuration-tables.ts';

/**
 * Prints the configuration tables of docs/configuration.md: `npm run docs:config` the environment variables'
 * from the config schemas; with `-- --context`, the CDK context keys' from the context schema. Paste the
 * output over the table it replaces; a unit test fails while the document differs.
 */
process.stdout.write(`${process.argv.includes('--context') ? contextTable() : environmentTables()}\n`);
