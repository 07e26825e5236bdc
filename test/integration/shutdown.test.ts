// Graceful shutdown as Kubernetes drives it: a turn in flight still gets its answer posted
// before the stores close; a turn that outlives SHUTDOWN_TIMEOUT_MS does not hold the exit.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { shutDown } from '../../src/shutdown.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { RecordingSurface } from '../fakes/recording-surface.js';

let dir: string;
let fake: FakeOpenAI;
let app: App;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-shutdown-'));
  // Slow streaming: the turn is still running when shutdown starts.
  fake = await startFakeOpenAI({ chunkSize: 4, chunkDelayMs: 40, handler: () => ({ content: 'Deploys go through the release train every Tuesday.' }) });
  const config = loadConfig({ OPENAI_BASE_URL: fake.url, LLM_MODEL: 'test-model', DATA_DIR: path.join(dir, 'data') });
  app = await createApp(config, createLogger('silent'));
});

afterEach(async () => {
  await fake.close();
  await fs.rm(dir, { recursive: true, force: true });
});

it('finishes the turn in flight, then closes the stores', async () => {
  const surface = new RecordingSurface();
  await app.bot.handle(
    { id: 'm1', thread: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1.0' }, author: { id: 'U1', name: 'Dana', isBot: false }, text: '@crosstalk how do we deploy?', kind: 'mention', receivedAt: new Date() },
    surface,
  );
  const order: string[] = [];
  const finished = await shutDown(
    {
      stopIntake: async () => void order.push(`intake stopped with ${surface.replies.filter((reply) => reply.complete).length} replies complete`),
      finishTurns: () => app.bot.idle(),
      stopJobs: async () => void order.push('jobs stopped'),
      close: [{ name: 'the stores', close: async () => { order.push(`stores closed after ${surface.replies.length} reply`); await app.stores.close(); } }],
    },
    30_000,
    createLogger('silent'),
  );
  expect(finished).toBe(true);
  expect(surface.replies[0]?.shown).toContain('release train every Tuesday');
  expect(order).toEqual(['intake stopped with 0 replies complete', 'jobs stopped', 'stores closed after 1 reply']);
});

it('stops waiting at the bound and still closes everything', async () => {
  const closed: string[] = [];
  const started = Date.now();
  const finished = await shutDown(
    {
      stopIntake: async () => {},
      finishTurns: () => new Promise(() => {}), // a turn that never ends
      stopJobs: async () => void closed.push('jobs'),
      close: [{ name: 'the stores', close: async () => { closed.push('stores'); await app.stores.close(); } }],
    },
    300,
    createLogger('silent'),
  );
  expect(finished).toBe(false);
  expect(closed).toEqual(['jobs', 'stores']);
  expect(Date.now() - started).toBeLessThan(20_000);
});
