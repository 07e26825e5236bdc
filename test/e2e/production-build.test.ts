// The production build, laid out like the image's /app and started with the Dockerfile's own
// CMD and HEALTHCHECK commands (see production-image.ts). No platform is configured, so
// SERVE_HTTP=true keeps the HTTP server (health, metrics) up, as in a jobs-only worker.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProductionImage, type ProductionImage } from './production-image.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let image: ProductionImage;
let child: ChildProcess | undefined;

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
  image = await buildProductionImage();
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await image.remove();
});

describe('the production build, started as the image starts it', () => {
  it('imports no dev dependency', async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const files = (await fs.readdir(path.join(image.dir, 'dist'), { recursive: true })).filter((file) => file.endsWith('.js'));
    expect(files).toContain(path.join('src', 'cli.js'));
    const offenders: string[] = [];
    for (const file of files) {
      const source = await fs.readFile(path.join(image.dir, 'dist', file), 'utf8');
      for (const name of Object.keys(pkg.devDependencies)) {
        if (source.includes(`from '${name}'`) || source.includes(`from '${name}/`) || source.includes(`import('${name}`)) offenders.push(`${file}: ${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('serves /healthz, /readyz and /metrics, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const [command, ...args] = image.command;
    expect(command).toBe('node');
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: path.join(image.dir, 'data'),
      LOG_FORMAT: 'json',
      SERVE_HTTP: 'true',
    };
    let output = '';
    child = spawn(process.execPath, args, { cwd: image.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

    const [healthCommand, ...healthArgs] = image.healthcheck;
    expect(healthCommand).toBe('node');
    expect((await run(process.execPath, healthArgs, { cwd: image.dir, env })).code).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['HTTP server listening', 'stopping: no new events, finishing turns in flight', 'stopped']));
  }, 120_000);
});
