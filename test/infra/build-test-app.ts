import { type AlmanachApp, buildApp } from '../../infra/app.ts';

/**
 * The app exactly as `cdk synth` builds it (infra/bin/app.ts), without running esbuild: these tests read
 * templates, and bundling the functions is what `cdk synth` itself checks.
 */
export function buildTestApp(context: Record<string, unknown> = {}): AlmanachApp {
  return buildApp({ 'aws:cdk:bundling-stacks': [], ...context });
}
