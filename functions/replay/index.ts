import { runReplayCli } from '#replay/cli';

process.exitCode = await runReplayCli(process.argv.slice(2), process.env, process);
