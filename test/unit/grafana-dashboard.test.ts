// The Grafana dashboard charts only metrics the app exports, so a renamed metric cannot leave
// an operator looking at an empty panel.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';

it('charts only metric names the app exports', async () => {
  const dashboard = await fs.readFile(path.resolve(import.meta.dirname, '../../deploy/grafana-dashboard.json'), 'utf8');
  const metrics = new Metrics();
  metrics.collectProcessMetrics();
  const exported = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
  const used = new Set([...dashboard.matchAll(/crosstalk_[a-z0-9_]+/gu)].map(([name]) => name.replace(/_(bucket|count|sum)$/u, '')));
  expect(used.size).toBeGreaterThanOrEqual(10);
  expect([...used].filter((name) => !exported.has(name))).toEqual([]);
});
