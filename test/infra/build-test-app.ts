import { readFileSync } from 'node:fs';
import type { INagLogger } from 'cdk-nag';
import { z } from 'zod';
import { type AlmanachApp, buildApp } from '../../infra/app.ts';

/** The context of cdk.json: the feature flags and the per-stage sections `cdk synth` applies. */
export const CDK_JSON_CONTEXT = z
  .object({ context: z.record(z.string(), z.unknown()) })
  .parse(JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'))).context;

/**
 * The app exactly as `cdk synth` builds it (infra/bin/app.ts with cdk.json's context), without running
 * esbuild: these tests read templates, and bundling the functions is what `cdk synth` itself checks.
 */
export function buildTestApp(
  context: Record<string, unknown> = {},
  options: { nagLoggers?: INagLogger[] } = {},
): AlmanachApp {
  return buildApp({ ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }, options);
}
