// Reads one sample out of a Prometheus text exposition (what GET /metrics serves).

/** The value of the first sample of `name` carrying every label in `labels`; NaN when there is none. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `) ? want.every((label) => candidate.includes(label)) : false);
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}
