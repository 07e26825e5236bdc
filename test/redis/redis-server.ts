// A Redis for tests: the one at REDIS_URL or 127.0.0.1:6379, else a redis-server started on a
// free port. Under CI=true a missing Redis is a failure, not a skip. Tests that must stop and
// restart Redis start their own with `startRedisServer`.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

export async function reachRedis(): Promise<TestRedis> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url, stop: async () => {} };
  if (process.env.CI === 'true') {
    throw new Error(`Redis did not answer at ${url}. Under CI the Redis tests need a server: start one or set REDIS_URL.`);
  }
  return startRedisServer();
}

export interface OwnRedis extends TestRedis {
  port: number;
  /** Starts the server again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
}

/** A redis-server of our own on a free port, that the test may stop and start again. */
export async function startRedisServer(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  const own: OwnRedis = {
    url,
    port,
    start: async () => {
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      server.on('error', (error) => {
        throw new Error(`Could not start redis-server (${error.message}): install Redis or set REDIS_URL.`);
      });
      await waitUntil(() => redisAnswers(url), `redis-server on port ${port} did not start`);
    },
    stop: async () => {
      const running = server;
      server = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await own.start();
  return own;
}

export async function redisAnswers(url: string): Promise<boolean> {
  const probe = createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    await probe.close();
    return true;
  } catch {
    if (probe.isOpen) probe.destroy();
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` until it holds; fails with `failure` after `timeoutMs` (generous: this machine is busy). */
export async function waitUntil(check: () => boolean | Promise<boolean>, failure: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(failure);
}
