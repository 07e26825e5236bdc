// The Docker image cannot be built here (no container engine), so this builds the same
// production output the image's build stage does (`tsc -p tsconfig.build.json`, into a temp
// folder laid out like the image's /app) and starts it with the Dockerfile's own CMD and
// HEALTHCHECK commands, read from the Dockerfile. No platform is configured, so SERVE_HTTP=true
// keeps the HTTP server (health, metrics) up, as in a jobs-only worker.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
let app: string;
let child: ChildProcess | undefined;

function dockerfileCommand(instruction: 'CMD' | 'HEALTHCHECK', dockerfile: string): string[] {
  const joined = dockerfile.replace(/\\\n\s*/gu, ' ');
  const line = joined.split('\n').find((candidate) => candidate.startsWith(`${instruction} `));
  const json = /CMD (\[.*\])\s*$/u.exec(line ?? '')?.[1];
  if (!json) throw new Error(`The Dockerfile has no ${instruction} in exec form`);
  return JSON.parse(json) as string[];
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, timeout: 240_000, maxBuffer: 10_000_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  // Laid out like the image's /app: package.json (ESM), node_modules, dist/.
  app = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-image-'));
  await fs.copyFile(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  const build = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(app, 'dist')], { cwd: ROOT });
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.output}`);
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await fs.rm(app, { recursive: true, force: true });
});

describe('the production build, started as the image starts it', () => {
  it('imports no dev dependency', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const files = (await fs.readdir(path.join(app, 'dist'), { recursive: true })).filter((file) => file.endsWith('.js'));
    expect(files).toContain(path.join('src', 'cli.js'));
    const offenders: string[] = [];
    for (const file of files) {
      const source = await fs.readFile(path.join(app, 'dist', file), 'utf8');
      for (const name of Object.keys(pkg.devDependencies)) {
        if (source.includes(`from '${name}'`) || source.includes(`from '${name}/`) || source.includes(`import('${name}`)) offenders.push(`${file}: ${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('serves /healthz, /readyz and /metrics, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const dockerfile = await fs.readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    const [command, ...args] = dockerfileCommand('CMD', dockerfile);
    expect(command).toBe('node');
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: path.join(app, 'data'),
      LOG_FORMAT: 'json',
      SERVE_HTTP: 'true',
    };
    let output = '';
    child = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;

    const alive = await until(async () => {
      const response = await fetch(`${base}/healthz`);
      return response.ok ? ((await response.json()) as { status: string }) : undefined;
    }, `/healthz (process output so far: ${output})`);
    expect(alive.status).toBe('ok');
    const ready = await until(async () => {
      const response = await fetch(`${base}/readyz`);
      return response.status === 200 ? ((await response.json()) as { status: string; checks: Record<string, { ok: boolean }> }) : undefined;
    }, '/readyz to answer 200');
    expect(ready.status).toBe('ready');
    expect(Object.keys(ready.checks)).toContain('store:transcripts');
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('crosstalk_process_cpu_seconds_total');

    const [healthCommand, ...healthArgs] = dockerfileCommand('HEALTHCHECK', dockerfile);
    expect(healthCommand).toBe('node');
    expect((await run(process.execPath, healthArgs, { cwd: app, env })).code).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['HTTP server listening', 'stopping: no new events, finishing turns in flight', 'stopped']));
  }, 120_000);
});
