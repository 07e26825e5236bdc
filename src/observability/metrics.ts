// The process's Prometheus metrics, on a registry of its own (no prom-client globals), served
// at GET /metrics. deploy/grafana-dashboard.json charts these names.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from './with-timeout.js';

export type JobOutcome = 'success' | 'failure';

export interface MetricsOptions {
  /** Counts messages waiting in the turn inbox, read at each scrape. */
  queueDepth?: () => Promise<number>;
}

/** A scrape must stay fast even when the store behind a gauge hangs. */
const COLLECT_TIMEOUT_MS = 2_000;

export class Metrics {
  readonly registry = new Registry();

  readonly eventsReceived = new Counter({
    name: 'crosstalk_events_received_total',
    help: 'Messages and commands received from platforms, by platform and kind.',
    labelNames: ['platform', 'kind'] as const,
    registers: [this.registry],
  });

  readonly duplicatesDropped = new Counter({
    name: 'crosstalk_duplicates_dropped_total',
    help: 'Deliveries dropped because their message id was already claimed (platform retries, double events).',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly turnDuration = new Histogram({
    name: 'crosstalk_turn_duration_seconds',
    help: 'Time from the start of a turn to its answer being posted, by platform and outcome.',
    labelNames: ['platform', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
    registers: [this.registry],
  });

  readonly activeTurns = new Gauge({
    name: 'crosstalk_active_turns',
    help: 'Turns running in this process now.',
    registers: [this.registry],
  });

  readonly queuedMessages: Gauge;

  readonly llmDuration = new Histogram({
    name: 'crosstalk_llm_request_duration_seconds',
    help: 'Language model call latency, by model and outcome.',
    labelNames: ['model', 'outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });

  readonly llmTokens = new Counter({
    name: 'crosstalk_llm_tokens_total',
    help: 'Tokens the language model reported, by model and type (prompt or completion).',
    labelNames: ['model', 'type'] as const,
    registers: [this.registry],
  });

  readonly storeErrors = new Counter({
    name: 'crosstalk_store_errors_total',
    help: 'Store operations that failed, by store concern (dedupe, transcripts, inbox, locks, queue).',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });

  /** Jobs call `jobRuns.inc({ job, outcome })` once per run. */
  readonly jobRuns = new Counter({
    name: 'crosstalk_job_runs_total',
    help: 'Background job runs, by job name and outcome (success or failure).',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  private defaultsOn = false;

  constructor(options: MetricsOptions = {}) {
    const { queueDepth } = options;
    const storeErrors = this.storeErrors;
    this.queuedMessages = new Gauge({
      name: 'crosstalk_queued_messages',
      help: 'Messages waiting in the turn inbox for their turn (deployment-wide when the inbox is on Redis).',
      registers: [this.registry],
      async collect() {
        if (!queueDepth) return;
        try {
          this.set(await withTimeout(queueDepth(), COLLECT_TIMEOUT_MS));
        } catch {
          // Keep the last value; the failure shows as a store error.
          storeErrors.inc({ store: 'queue' });
        }
      },
    });
  }

  /** Records a job run; the jobs' Agenda handlers call this. */
  recordJobRun(job: string, outcome: JobOutcome): void {
    this.jobRuns.inc({ job, outcome });
  }

  /** Adds Node's process metrics (CPU, memory, event loop lag); once per process. */
  collectProcessMetrics(): void {
    if (this.defaultsOn) return;
    this.defaultsOn = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'crosstalk_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
