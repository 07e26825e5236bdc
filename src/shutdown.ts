// Graceful shutdown of a serving process (SIGTERM from Kubernetes, or Ctrl-C): stop taking
// events, let turns in flight finish within a bound, drain jobs, then close the HTTP server and
// the stores. A turn cut off by the bound loses nothing: its messages stay in the durable inbox
// until answered, and the next start (or another replica) answers them.
import type { Logger } from './logger.js';
import { TimeoutError, withTimeout } from './observability/with-timeout.js';

export type StopSignal = 'SIGTERM' | 'SIGINT';

/** Resolves with the first SIGTERM or SIGINT; from then on the signals no longer kill the process. */
export function waitForStopSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const on = (signal: StopSignal) => () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      // A second signal while stopping is ignored rather than killing turns mid-answer; the
      // SHUTDOWN_TIMEOUT_MS bound (and the orchestrator's own kill) still apply.
      process.on('SIGTERM', ignore);
      process.on('SIGINT', ignore);
      resolve(signal);
    };
    const onTerm = on('SIGTERM');
    const onInt = on('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  });
}

function ignore(): void {}

export interface ShutdownPlan {
  /** Stop taking new events (platforms disconnect, /readyz turns 503). */
  stopIntake: () => Promise<void>;
  /** Resolves once every turn in flight has answered. */
  finishTurns: () => Promise<void>;
  /** Drains the background jobs (Agenda); the jobs' own stop. */
  stopJobs: () => Promise<void>;
  /** Then closed in order: the HTTP server, installation records, stores… */
  close: Array<{ name: string; close: () => Promise<void> | void }>;
}

/**
 * Runs the plan. Intake and turns share the `timeoutMs` bound; jobs get their own, and each
 * closer a short one, so a hung connection cannot keep the process from exiting.
 * Resolves true when every turn finished in time.
 */
export async function shutDown(plan: ShutdownPlan, timeoutMs: number, logger: Logger): Promise<boolean> {
  const log = logger.child({ component: 'shutdown' });
  let finished = true;
  try {
    await withTimeout(
      (async () => {
        await plan.stopIntake();
        await plan.finishTurns();
      })(),
      timeoutMs,
      'turns did not finish',
    );
  } catch (error) {
    finished = false;
    if (error instanceof TimeoutError) {
      log.warn({ timeoutMs }, 'turns still running at SHUTDOWN_TIMEOUT_MS; their messages stay queued and are answered after the next start');
    } else {
      log.error({ err: error }, 'stopping the platforms failed');
    }
  }
  await bounded(plan.stopJobs, timeoutMs, 'jobs', log);
  for (const step of plan.close) await bounded(async () => step.close(), CLOSE_TIMEOUT_MS, step.name, log);
  log.info({ turnsFinished: finished }, 'stopped');
  return finished;
}

const CLOSE_TIMEOUT_MS = 5_000;

async function bounded(step: () => Promise<void>, ms: number, name: string, log: Logger): Promise<void> {
  try {
    await withTimeout(step(), ms, `${name} did not stop`);
  } catch (error) {
    log.warn({ err: error, step: name }, `could not stop ${name} cleanly`);
  }
}
