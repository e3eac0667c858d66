import { afterAll, beforeAll, expect, it } from 'vitest';
import { simulateCloud } from '#dev/simulator/cloud';
import { expectedUsage } from '#dev/simulator/truth';
import { verifyUsage } from '#dev/simulator/verify';
import { startTestApi, type TestApi, TOKEN } from '#test/helpers/api-harness';

// More projects than one page of /v1/usage (100 by default): the verdict must read every page.
const cloud = simulateCloud({
  seed: 7,
  projects: 150,
  instancesPerProject: 1,
  volumesPerProject: 0,
  start: new Date(Date.UTC(2016, 0, 1)),
  days: 1,
});
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('simulator_verify');
  await api.notifications.ingestAll(cloud.notifications.map(({ message }) => message));
});

afterAll(async () => {
  await api.close();
});

it("verifies every project of a cloud larger than one page of the API's usage", async () => {
  const expected = expectedUsage(cloud.projectIds, cloud.entities, cloud.period);
  expect(expected.filter((project) => project.instances.count > 0).length).toBeGreaterThan(100);

  const verification = await verifyUsage({ url: api.url, token: TOKEN }, expected, cloud.period, {
    timeoutMs: 0,
  });

  expect(verification.mismatched).toEqual([]);
  expect(verification.verified).toHaveLength(150);
});
