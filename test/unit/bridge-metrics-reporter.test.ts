import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { reportStart } from '#bridge/metrics-reporter';

describe('the bridge metrics reporter', () => {
  it('publishes one BridgeStarted data point at once when the process starts', () => {
    const metrics = new Metrics({ namespace: 'Almanach', serviceName: 'almanach' });
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);

    reportStart(metrics);

    expect(added.mock.calls).toEqual([['BridgeStarted', MetricUnit.Count, 1]]);
    expect(published).toHaveBeenCalledOnce();
  });
});
