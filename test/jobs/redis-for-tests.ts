// A Redis for the job tests: the one at REDIS_URL or 127.0.0.1:6379, else a throwaway
// redis-server on a free port (never under CI, where a missing Redis is a failure).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

export async function reachRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answers(url)) return { url, stop: async () => {} };
  if (process.env.CI === 'true') throw new Error(`Redis did not answer at ${url}. Under CI the Redis tests need a server: start one or set REDIS_URL.`);
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const started = `redis://127.0.0.1:${port}`;
  await waitFor(() => answers(started), `redis-server on port ${port} did not start`);
  return { url: started, stop: () => stopProcess(server) };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function answers(url: string): Promise<boolean> {
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` until it holds; the timeout is generous because the machine is busy. */
export async function waitFor(check: () => boolean | Promise<boolean>, failure: string, timeoutMs = 20_000): Promise<void> {
  // performance.now, not Date: the digest tests fake Date.
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(failure);
}
