import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { NODE_MAJOR } from '../../infra/constructs/almanach-function.ts';
import { buildTestApp } from './build-test-app.ts';
import { resourcesOf } from './template-resources.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the Node.js major, one for every part', () => {
  it('is the newest Lambda runtime the CDK offers, nodejs24.x, for every Almanach function', () => {
    const { ingest, api } = buildTestApp();
    const runtimes = [ingest, api].flatMap((stack) =>
      resourcesOf(Template.fromStack(stack), 'AWS::Lambda::Function').map((fn) => fn.Properties.Runtime),
    );
    expect(new Set(runtimes)).toEqual(new Set([`nodejs${NODE_MAJOR}.x`]));
    const offered = Object.values(Runtime)
      .filter((runtime) => runtime instanceof Runtime)
      .map((runtime) => Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? 0));
    expect(Math.max(...offered)).toBe(NODE_MAJOR);
  });

  it('builds the image on the Node.js major of the Lambda runtime', () => {
    const dockerfile = read('infra/bridge/Dockerfile');
    const images = [...dockerfile.matchAll(/^FROM (?:--platform=\S+ )?node:(\d+)-/gm)].map((match) =>
      Number(match[1]),
    );
    expect(images).toEqual([NODE_MAJOR, NODE_MAJOR]);
    expect(dockerfile).toContain(`--target=node${NODE_MAJOR}`);
  });

  it('has CI run the suites under the Node.js major of the Lambda runtime and the image', () => {
    const ci = read('.ci/run');
    expect(ci).toMatch(
      new RegExp(`^npx --yes -p node@${NODE_MAJOR} -- node node_modules/vitest/vitest\\.mjs run `, 'm'),
    );
  });
});
