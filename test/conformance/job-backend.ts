// Conformance suite for Agenda backends: every backend Crosstalk may run on passes it through
// real Agenda instances. `open()` returns a new backend on the same store each time, the way a
// second process would see it.
import { Agenda, type AgendaBackend, type Job } from 'agenda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zonedTime } from '../../jobs/schedule.js';
import { waitUntil as waitFor } from '../redis/redis-server.js';

export interface JobBackendFixture {
  open(): AgendaBackend;
  cleanup(): Promise<void>;
}

export function describeJobBackend(name: string, create: () => Promise<JobBackendFixture>): void {
  describe(`Agenda backend: ${name}`, () => {
    let fixture: JobBackendFixture;
    const agendas: Agenda[] = [];

    const agenda = (label: string) => {
      const instance = new Agenda({ backend: fixture.open(), name: label, processEvery: 50 });
      agendas.push(instance);
      return instance;
    };

    beforeEach(async () => {
      fixture = await create();
    });
    afterEach(async () => {
      for (const instance of agendas.splice(0)) await instance.stop(false).catch(() => {});
      await fixture.cleanup();
    });

    it('runs a job queued for now, once', async () => {
      const worker = agenda('a');
      const runs: string[] = [];
      worker.define('greet', async (job: Job<{ who: string }>) => void runs.push(job.attrs.data.who));
      await worker.start();

      await worker.now('greet', { who: 'ada' });

      await waitFor(() => runs.length > 0, 'the job never ran');
      await waitFor(async () => (await worker.queryJobs({ name: 'greet', state: 'completed' })).total === 1, 'the job never completed');
      expect(runs).toEqual(['ada']);
    });

    it('does not run a job before its time, and runs it once it is due', async () => {
      const worker = agenda('a');
      const ranAt: number[] = [];
      worker.define('later', async () => void ranAt.push(Date.now()));
      await worker.start();
      const due = Date.now() + 600;

      await worker.schedule(new Date(due), 'later', {});

      await waitFor(() => ranAt.length > 0, 'the scheduled job never ran');
      expect(ranAt[0]).toBeGreaterThanOrEqual(due);
      expect(ranAt).toHaveLength(1);
    });

    it('locks each job for one worker: two schedulers run 20 jobs exactly once each', async () => {
      const runs: number[] = [];
      const workers = [agenda('one'), agenda('two')];
      for (const worker of workers) {
        worker.define('count', async (job: Job<{ n: number }>) => {
          runs.push(job.attrs.data.n);
          await new Promise((resolve) => setTimeout(resolve, 5));
        });
      }
      const jobs = Array.from({ length: 20 }, (_, n) => workers[0]!.create('count', { n }).schedule(new Date(Date.now() + 300)));
      await Promise.all(jobs.map((job) => job.save()));
      await Promise.all(workers.map((worker) => worker.start()));

      await waitFor(() => runs.length >= 20, `only ${runs.length} of 20 jobs ran`);
      await waitFor(async () => (await workers[0]!.queryJobs({ name: 'count', state: 'completed' })).total === 20, 'not every job completed');
      expect([...runs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    });

    it('takes over a job whose lock expired (its worker died)', async () => {
      const dead = fixture.open();
      await dead.connect();
      const setup = agenda('setup');
      const job = await setup.schedule(new Date(Date.now() - 1_000), 'orphan', { id: 1 });
      // The dead worker locks the job and never finishes it.
      const locked = await dead.repository.getNextJobToRun('orphan', new Date(Date.now() + 1_000), new Date(0), undefined, undefined);
      expect(locked?._id).toBe(job.attrs._id);

      const survivor = agenda('survivor');
      const runs: number[] = [];
      survivor.define('orphan', async () => void runs.push(Date.now()), { lockLifetime: 500 });
      const started = Date.now();
      await survivor.start();

      await waitFor(() => runs.length > 0, 'the expired lock was never taken over');
      expect(runs[0]! - started).toBeGreaterThanOrEqual(300);
      expect(runs).toHaveLength(1);
    });

    it('repeats a job at its interval, advancing its next run', async () => {
      const worker = agenda('a');
      let runs = 0;
      worker.define('tick', async () => void runs++);
      await worker.start();

      await worker.every(300, 'tick');

      await waitFor(() => runs >= 3, `the job ran ${runs} times, want at least 3`);
      const [job] = (await worker.queryJobs({ name: 'tick' })).jobs;
      expect(String(job?.repeatInterval)).toBe('300');
      // Compared with the job's own last run, not the wall clock, so a busy machine cannot fail it.
      expect(job?.nextRunAt?.getTime()).toBeGreaterThan(job!.lastRunAt!.getTime());
    });

    it('stores a cron repeat in a time zone and its next run across a daylight-saving change', async () => {
      const worker = agenda('a');
      worker.define('digest', async () => {});
      await worker.ready;
      const job = worker.create('digest', { channel: 'c1' });
      // Berlin moves to summer time on 2025-03-30: 09:00 local is 08:00 UTC before and 07:00 UTC after.
      job.attrs.lastRunAt = new Date('2025-03-29T08:00:00Z');
      job.repeatEvery('0 9 * * *', { timezone: 'Europe/Berlin' });
      await job.save();

      const [stored] = (await worker.queryJobs({ name: 'digest' })).jobs;
      expect(stored?.repeatTimezone).toBe('Europe/Berlin');
      expect(stored?.repeatInterval).toBe('0 9 * * *');
      expect(stored?.nextRunAt?.toISOString()).toBe(zonedTime(2025, 3, 30, 9, 0, 'Europe/Berlin').toISOString());
      expect(stored?.nextRunAt?.toISOString()).toBe('2025-03-30T07:00:00.000Z');
    });

    it('keeps one job per unique key: saving again updates it', async () => {
      const worker = agenda('a');
      await worker.ready;
      const save = (channel: string, hour: number) =>
        worker
          .create('digest', { channel, hour })
          .unique({ 'data.channel': channel })
          .schedule(new Date(Date.UTC(2030, 0, 1, hour)))
          .save();

      await save('c1', 9);
      await save('c1', 17);
      await save('c2', 9);

      const c1 = (await worker.queryJobs({ name: 'digest', data: { channel: 'c1' } })).jobs;
      expect(c1).toHaveLength(1);
      expect(c1[0]?.data).toEqual({ channel: 'c1', hour: 17 });
      expect(c1[0]?.nextRunAt?.toISOString()).toBe('2030-01-01T17:00:00.000Z');
      expect((await worker.queryJobs({ name: 'digest' })).total).toBe(2);

      expect(await worker.cancel({ name: 'digest', data: { channel: 'c1' } })).toBe(1);
      expect((await worker.queryJobs({ name: 'digest' })).jobs.map((job) => job.data)).toEqual([{ channel: 'c2', hour: 9 }]);
    });

    it('keeps one `every` job per name however many schedulers declare it', async () => {
      const [one, two] = [agenda('one'), agenda('two')];
      await Promise.all([one.ready, two.ready]);

      await one.every('1 day', 'retention', {}, { skipImmediate: true });
      await two.every('1 day', 'retention', {}, { skipImmediate: true });

      expect((await one.queryJobs({ name: 'retention' })).total).toBe(1);
    });

    it('does not run a disabled job', async () => {
      const worker = agenda('a');
      let runs = 0;
      worker.define('paused', async () => void runs++);
      worker.define('marker', async () => {});
      await worker.ready;
      await worker.now('paused', {});
      expect(await worker.disable({ name: 'paused' })).toBe(1);
      await worker.start();

      // A later job found by polling: the scan that found it would have taken the disabled one too.
      await worker.schedule(new Date(Date.now() + 300), 'marker', {});
      await waitFor(async () => (await worker.queryJobs({ name: 'marker', state: 'completed' })).total === 1, 'the marker never ran');
      expect(runs).toBe(0);
      expect((await worker.queryJobs({ name: 'paused', state: 'paused' })).total).toBe(1);
    });
  });
}
