// The background jobs on Agenda: per-channel digests (one repeating job per subscribed channel,
// unique by channel), on-demand summaries, knowledge ingestion from chat, and daily transcript
// retention. Jobs post through the ChatSurface of their platform, looked up when they run.
import { Agenda, type AgendaBackend, type Job } from 'agenda';
import type { Logger } from '../src/logger.js';
import type { JobOutcome } from '../src/observability/metrics.js';
import { channelKey, type ChannelRef, type ChatSurface, type Platform, type ThreadRef } from '../src/model.js';
import type { KnowledgeStore, TranscriptStore } from '../src/stores/ports.js';
import type { DigestLedger } from './digest-ledger.js';
import { runChannelDigest, runOnDemandDigest, type DigestOutcome, type OnDemandScope } from './digest-job.js';
import { runIngest, type IngestRequest } from './ingest-job.js';
import { JOB_LOCK_MS, type DigestRunner, type FetchText, type JobDeps } from './job-deps.js';
import { cronOf, periodKey, type DigestSchedule } from './schedule.js';

export const JOB = {
  /** The repeating trigger, one per subscribed channel: queues that period's digest run. */
  digest: 'channel-digest',
  /** One period's digest. */
  digestRun: 'channel-digest-run',
  onDemand: 'digest-on-demand',
  ingest: 'knowledge-ingest',
  retention: 'transcript-retention',
} as const;

/** Jobs that run once; retention removes them a while after they finish. */
const ONE_OFF_JOBS = [JOB.digestRun, JOB.onDemand, JOB.ingest];
const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a finished one-off job stays in the backend, for an operator to look at. */
const FINISHED_JOB_KEEP_MS = 7 * DAY_MS;

export interface SchedulerDeps {
  backend: AgendaBackend;
  ledger: DigestLedger;
  transcripts: TranscriptStore;
  knowledge: KnowledgeStore;
  digest: DigestRunner;
  surfaceFor: (platform: Platform) => ChatSurface | undefined;
  logger: Logger;
  botName: string;
  retentionDays: number;
  fetchText: FetchText;
  /** Names this scheduler in job locks (lastModifiedBy). */
  name?: string;
  /** How often to look for due jobs; Agenda's default is 5 s. */
  processEveryMs?: number;
  /** How long `stop` waits for running jobs before giving up on them. */
  drainTimeoutMs?: number;
  /** Called once per job run in this process (the app counts them in its metrics). */
  onJobRun?: (job: string, outcome: JobOutcome) => void;
}

export interface DigestJobData {
  channel: string;
  ref: ChannelRef;
  schedule: DigestSchedule;
}

/** One period's digest: `due` is when its trigger fired, the end of what it covers. */
export interface DigestRunData extends DigestJobData {
  period: string;
  due: string;
}

export interface Subscription {
  schedule: DigestSchedule;
  nextRunAt: Date | undefined;
}

export class Scheduler {
  readonly agenda: Agenda;
  private readonly log: Logger;
  /** Jobs this process queued for now (a person is waiting on them), until they finish. */
  private readonly queued = new Set<string>();
  private queuedSettled: () => void = () => {};
  /** Jobs that finished here, in case one finishes before `now()` hands back its id. */
  private readonly finished = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {
    this.log = deps.logger.child({ component: 'jobs', backend: deps.backend.name });
    this.agenda = new Agenda({
      backend: deps.backend,
      name: deps.name ?? `crosstalk-${process.pid}`,
      processEvery: deps.processEveryMs ?? 5_000,
      // A lock older than this is taken as a dead worker's.
      defaultLockLifetime: JOB_LOCK_MS,
    });
    this.agenda.on('error', (error: unknown) => this.log.error({ err: error }, 'the job scheduler failed'));
    // With a notification channel (the Redis backend), Agenda also re-emits other schedulers'
    // events with `remote = true`; each run is logged and counted by the process that ran it.
    this.agenda.on('success', (job: Job, remote?: boolean) => {
      if (remote !== true) deps.onJobRun?.(job.attrs.name, 'success');
    });
    this.agenda.on('fail', (error: unknown, job: Job, remote?: boolean) => {
      if (remote === true) return;
      this.log.error({ err: error, job: job.attrs.name }, 'a job failed');
      deps.onJobRun?.(job.attrs.name, 'failure');
    });
    this.agenda.on('complete', (job: Job, remote?: boolean) => {
      if (remote === true || !('attrs' in job)) return;
      const id = job.attrs._id?.toString();
      if (!id || job.attrs.repeatInterval) return;
      this.finished.add(id);
      if (this.queued.delete(id) && this.queued.size === 0) this.queuedSettled();
    });
    // Agenda moves a repeating job to its next occurrence when a run starts, so a worker dying
    // mid-run would skip the period. The trigger only queues a one-off run, which Agenda hands to
    // another worker once a dead worker's lock expires.
    this.agenda.define(JOB.digest, async (job: Job<DigestJobData>) => {
      await this.queueDigestRun(job.attrs.data);
    });
    this.agenda.define(JOB.digestRun, async (job: Job<DigestRunData>) => {
      await this.channelDigest(job.attrs.data, new Date(job.attrs.data.due));
    });
    this.agenda.define(JOB.onDemand, (job: Job<{ thread: ThreadRef; scope: OnDemandScope }>) =>
      runOnDemandDigest(this.jobDeps(), job.attrs.data.thread, job.attrs.data.scope),
    );
    this.agenda.define(JOB.ingest, (job: Job<IngestRequest>) => runIngest(this.jobDeps(), job.attrs.data));
    this.agenda.define(JOB.retention, () => this.retention());
  }

  async start(): Promise<void> {
    await this.agenda.start();
    // `every` keeps one retention job however many schedulers declare it.
    await this.agenda.every('30 3 * * *', JOB.retention, {}, { timezone: 'UTC', skipImmediate: true });
    this.log.info('job scheduler started');
  }

  /** Stops taking jobs and waits (bounded) for running ones, rather than unlocking them mid-run. */
  async stop(): Promise<void> {
    const timeout = this.deps.drainTimeoutMs ?? 30_000;
    // A job queued just before stopping may not have started yet; someone is waiting for its answer.
    if (this.queued.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeout);
        this.queuedSettled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      // Agenda emits 'complete' before it drops the job from its running list; drain() counts
      // that list and would then wait for a 'complete' that already happened.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await this.agenda.drain({ timeout });
    if (result.timedOut) this.log.warn({ running: result.running }, 'stopped with jobs still running; their locks expire for another worker');
  }

  /** Subscribes the channel (replacing its schedule if it had one); resolves with the next run. */
  async subscribe(channel: ChannelRef, schedule: DigestSchedule): Promise<Date | undefined> {
    const key = channelKey(channel);
    const data: DigestJobData = { channel: key, ref: { platform: channel.platform, workspaceId: channel.workspaceId, channelId: channel.channelId }, schedule };
    const job = this.agenda
      .create(JOB.digest, data)
      .unique({ 'data.channel': key })
      .repeatEvery(cronOf(schedule), { timezone: schedule.timeZone, skipImmediate: true });
    await job.save();
    return job.attrs.nextRunAt ?? undefined;
  }

  /** Returns false when the channel had no subscription. */
  async unsubscribe(channel: ChannelRef): Promise<boolean> {
    const data = { channel: channelKey(channel) };
    const cancelled = await this.agenda.cancel({ name: JOB.digest, data });
    await this.agenda.cancel({ name: JOB.digestRun, data });
    return cancelled > 0;
  }

  async subscription(channel: ChannelRef): Promise<Subscription | undefined> {
    const { jobs } = await this.agenda.queryJobs({ name: JOB.digest, data: { channel: channelKey(channel) } });
    const job = jobs[0];
    if (!job) return undefined;
    return { schedule: (job.data as DigestJobData).schedule, nextRunAt: job.nextRunAt ?? undefined };
  }

  async lastDigest(channel: ChannelRef): Promise<{ period: string; at: Date } | undefined> {
    return this.deps.ledger.last(channelKey(channel));
  }

  /** Queues a summary of the thread (or the channel since its last digest), answered in `thread`. */
  async requestDigest(thread: ThreadRef, scope: OnDemandScope): Promise<void> {
    this.track(await this.agenda.now(JOB.onDemand, { thread, scope }));
  }

  async requestIngest(request: IngestRequest): Promise<void> {
    this.track(await this.agenda.now(JOB.ingest, request));
  }

  /** One scheduled digest; also callable directly (tests, the benchmark). */
  async channelDigest(data: DigestJobData, now = new Date()): Promise<DigestOutcome> {
    return runChannelDigest(this.jobDeps(), data, now);
  }

  /** Queues the digest of the period that starts now; once per channel and period. */
  async queueDigestRun(data: DigestJobData, due = new Date()): Promise<void> {
    const period = periodKey(data.schedule, due);
    const run: DigestRunData = { ...data, period, due: due.toISOString() };
    await this.agenda
      .create(JOB.digestRun, run)
      .unique({ 'data.channel': data.channel, 'data.period': period }, { insertOnly: true })
      .schedule(due)
      .save();
  }

  async retention(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * DAY_MS);
    const removed = await this.deps.transcripts.deleteBefore(cutoff);
    const jobsRemoved = await this.removeFinishedJobs(now);
    this.log.info({ removed, cutoff, jobsRemoved }, 'removed old transcripts and finished jobs');
    return removed;
  }

  /** Removes one-off jobs that finished (or failed for good) more than a week before `now`. */
  async removeFinishedJobs(now = new Date()): Promise<number> {
    const cutoff = now.getTime() - FINISHED_JOB_KEEP_MS;
    const ids: string[] = [];
    for (const state of ['completed', 'failed'] as const) {
      const { jobs } = await this.agenda.queryJobs({ names: ONE_OFF_JOBS, state });
      for (const job of jobs) if (job.lastFinishedAt && job.lastFinishedAt.getTime() < cutoff) ids.push(String(job._id));
    }
    return ids.length > 0 ? this.agenda.cancel({ ids }) : 0;
  }

  private track(job: Job): void {
    const id = job.attrs._id?.toString();
    if (!id) return;
    if (!this.finished.delete(id)) this.queued.add(id);
  }

  private jobDeps(): JobDeps {
    return { ...this.deps, log: this.log };
  }
}
