// Cold start of the shell chat: from spawning the process until its first reply to
// `@crosstalk hello` is on stdout (ready and answering), and until it exits once stdin ends.
// Baseline: a bare `node -e ""` started and exited on the same machine, in the same run.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, isMain, median, ms, printReport, QUICK, times, type Report } from './report.js';
import { tempDataDir } from './shell-fixture.js';

const RUNS = QUICK ? 1 : 5;
const GOAL_MS = 2_000;
/** A start that hangs is a crash, not a slow figure. */
const GIVE_UP_MS = 60_000;
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BOT_NAME = 'crosstalk';

interface Launcher {
  label: string;
  command: string;
  args: string[];
}

const LAUNCHERS: Launcher[] = [
  // What the README tells people to type; npm adds its own start-up to tsx's.
  { label: 'npm start --silent', command: 'npm', args: ['start', '--silent'] },
  { label: 'npx tsx src/cli.ts run', command: 'npx', args: ['tsx', 'src/cli.ts', 'run'] },
  { label: 'node node_modules/tsx/dist/cli.mjs src/cli.ts run', command: process.execPath, args: ['node_modules/tsx/dist/cli.mjs', 'src/cli.ts', 'run'] },
  // tsx as a loader in this process: its CLI starts a second node process, this does not.
  { label: 'node --import tsx src/cli.ts run', command: process.execPath, args: ['--import', 'tsx', 'src/cli.ts', 'run'] },
];

interface Timing {
  /** Spawn until the first reply is printed in full. */
  readyMs: number;
  /** End of stdin until the process exited. */
  exitAfterInputMs: number;
}

/** Offline, quiet, and a data folder of its own: the start a new user gets. */
function childEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  delete env.LOG_LEVEL;
  return env;
}

function timeShell(launcher: Launcher): Promise<Timing> {
  const data = tempDataDir('cold-start');
  return new Promise<Timing>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(launcher.command, launcher.args, { cwd: PROJECT_ROOT, env: childEnv(data.dir), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let readyMs: number | undefined;
    let inputEndedAt = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS);
    // The line goes in at once: input that arrives before the bot is ready must still be answered.
    child.stdin.write(`@${BOT_NAME} hello\n`);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // A reply prints as `crosstalk › <text>` and ends with a blank line.
      const reply = stdout.indexOf(`${BOT_NAME} › `);
      if (readyMs === undefined && reply >= 0 && stdout.indexOf('\n\n', reply) >= 0) {
        readyMs = performance.now() - started;
        inputEndedAt = performance.now();
        child.stdin.end();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      data.remove();
      if (readyMs === undefined || code !== 0) {
        const why = signal ? `was killed (${signal})` : `exited with ${code}`;
        reject(new Error(`${launcher.label} ${why} ${readyMs === undefined ? 'before replying' : ''}\n${stderr}${stdout}`));
      } else {
        resolve({ readyMs, exitAfterInputMs: performance.now() - inputEndedAt });
      }
    });
  });
}

function timeBareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - started));
  });
}

export async function benchColdStart(): Promise<Report> {
  const timings = new Map<Launcher, Timing[]>(LAUNCHERS.map((launcher) => [launcher, []]));
  const bareNode: number[] = [];
  // Interleaved, so a busy moment on the machine does not land on one launcher only.
  for (let run = 0; run < RUNS; run++) {
    bareNode.push(await timeBareNode());
    for (const launcher of LAUNCHERS) timings.get(launcher)!.push(await timeShell(launcher));
  }

  const nodeMs = median(bareNode);
  const rows = LAUNCHERS.flatMap((launcher) => {
    const runs = timings.get(launcher)!;
    const ready = median(runs.map((timing) => timing.readyMs));
    return [
      {
        measure: `${launcher.label}: spawn → first reply`,
        figure: ms(ready),
        baseline: `${ms(nodeMs)} (node -e "")`,
        ratio: times(ready / nodeMs),
        goal: `< ${fixed(GOAL_MS / 1000, 0)} s`,
        met: ready < GOAL_MS,
      },
      {
        measure: `${launcher.label}: end of input → exit`,
        figure: ms(median(runs.map((timing) => timing.exitAfterInputMs))),
      },
    ];
  });
  const firstRuns = LAUNCHERS.map((launcher) => `${launcher.label} ${ms(timings.get(launcher)![0]!.readyMs)}`);
  return {
    title: `Cold start of the shell chat (median of ${RUNS} runs${QUICK ? ', quick mode' : ''})`,
    rows,
    notes: [
      'each run: a fresh DATA_DIR, offline mode, stdin a pipe carrying "@crosstalk hello", closed once the reply is printed',
      `first run of each launcher (may include tsx's compile cache filling): ${firstRuns.join('; ')}`,
    ],
  };
}

if (isMain(import.meta.url)) printReport(await benchColdStart());
