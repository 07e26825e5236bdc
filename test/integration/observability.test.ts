// What an operator sees of a running app: metrics after real turns (real ChatOpenAI against the
// local OpenAI fake, real SQLite), one turn id across a turn's log lines, redacted text, health
// endpoints on the real HTTP server, and failures arriving at a local Sentry endpoint.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { HttpServer } from '../../src/http/server.js';
import { createLogger, type LoggedFailure } from '../../src/logger.js';
import type { ChatMessage, ThreadRef } from '../../src/model.js';
import { Health } from '../../src/observability/health.js';
import { startSentry } from '../../src/observability/sentry.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { RecordingSurface } from '../fakes/recording-surface.js';
import { startFakeSentry } from '../fakes/sentry-server.js';
import { metricValue } from '../metrics/metric-value.js';

const SECRET_TEXT = 'the launch code is pineapple-42';

let dir: string;
let fake: FakeOpenAI;
let app: App | undefined;
let lines: Record<string, unknown>[];
const failures: LoggedFailure[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-ops-'));
  fake = await startFakeOpenAI();
  lines = [];
  failures.length = 0;
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  await fake.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function startApp(options: { logMessageText?: boolean; onFailure?: (failure: LoggedFailure) => void } = {}): Promise<App> {
  const config = loadConfig({ OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test-key', LLM_MODEL: 'test-model', DATA_DIR: path.join(dir, 'data') });
  const logger = createLogger('debug', {
    format: 'json',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    ...(options.logMessageText === undefined ? {} : { logMessageText: options.logMessageText }),
    onFailure: options.onFailure ?? ((failure) => failures.push(failure)),
  });
  app = await createApp(config, logger);
  return app;
}

const THREAD: ThreadRef = { platform: 'slack', workspaceId: 'T-ACME', channelId: 'C-ENG', threadId: '1700000000.000100' };
let nextId = 0;
function mention(text: string, id = `m-${++nextId}`): ChatMessage {
  return { id, thread: THREAD, author: { id: 'U-DANA', name: 'Dana', isBot: false }, text, kind: 'mention', receivedAt: new Date() };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('metrics', () => {
  it('counts events, duplicates, turns and model tokens after real turns', async () => {
    const running = await startApp();
    const surface = new RecordingSurface();
    const first = mention('@crosstalk how do we deploy?');
    await running.bot.handle(first, surface);
    await running.bot.handle(first, surface); // a platform retry of the same delivery
    await running.bot.idle();
    expect(surface.replies).toHaveLength(1);

    // LangChain runs callbacks in the background: wait for the model call to be counted.
    await until(async () => metricValue(await running.metrics.text(), 'crosstalk_llm_request_duration_seconds_count', { model: 'test-model' }) >= 1, 'the model call to be measured');
    const text = await running.metrics.text();
    expect(metricValue(text, 'crosstalk_events_received_total', { platform: 'slack', kind: 'mention' })).toBe(2);
    expect(metricValue(text, 'crosstalk_duplicates_dropped_total', { platform: 'slack' })).toBe(1);
    expect(metricValue(text, 'crosstalk_turn_duration_seconds_count', { platform: 'slack', outcome: 'answered' })).toBe(1);
    expect(metricValue(text, 'crosstalk_active_turns')).toBe(0);
    expect(metricValue(text, 'crosstalk_queued_messages')).toBe(0);
    expect(metricValue(text, 'crosstalk_llm_tokens_total', { model: 'test-model', type: 'prompt' })).toBeGreaterThan(0);
    expect(metricValue(text, 'crosstalk_llm_tokens_total', { model: 'test-model', type: 'completion' })).toBeGreaterThan(0);
  });

  it('counts a failed turn by its outcome and job runs through recordJobRun', async () => {
    const running = await startApp();
    fake.failNext(500, 10);
    const surface = new RecordingSurface();
    await running.bot.handle(mention('@crosstalk are you there?'), surface);
    await running.bot.idle();
    expect(surface.replies[0]?.shown).toMatch(/^Sorry, I could not answer that/u);
    running.metrics.recordJobRun('digest', 'success');
    const text = await running.metrics.text();
    expect(metricValue(text, 'crosstalk_turn_duration_seconds_count', { outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'crosstalk_job_runs_total', { job: 'digest', outcome: 'success' })).toBe(1);
  });
});

describe('logs', () => {
  it('carry one turn id on every line of a failed turn, without the message text', async () => {
    const running = await startApp();
    fake.failNext(500, 10);
    await running.bot.handle(mention(`@crosstalk ${SECRET_TEXT}`), new RecordingSurface());
    await running.bot.idle();

    const failed = lines.find((line) => line.msg === 'turn failed');
    expect(failed?.turn).toMatch(/^[0-9a-f]{12}$/u);
    const turnIds = new Set(lines.filter((line) => 'turn' in line).map((line) => line.turn));
    expect([...turnIds]).toEqual([failed?.turn]);
    expect(failed?.thread).toBe('slack:T-ACME:C-ENG:1700000000.000100');
    expect(JSON.stringify(lines)).not.toContain('pineapple-42');
    expect(JSON.stringify(lines)).not.toContain('sk-test-key');
    // The failure handed to the error reporter carries the same turn and thread.
    const reported = failures.find((failure) => failure.msg === 'turn failed');
    expect(reported?.fields.turn).toBe(failed?.turn);
    expect(reported?.fields.thread).toBe(failed?.thread);
  });

  it('keep message text under LOG_MESSAGE_TEXT=true', () => {
    const logger = createLogger('info', { format: 'json', logMessageText: true, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    logger.info({ text: SECRET_TEXT, token: 'xoxb-1234567890-abcdef' }, 'received');
    expect(lines[0]?.text).toBe(SECRET_TEXT);
    expect(lines[0]?.token).toBe('[redacted]');
  });
});

describe('health endpoints', () => {
  it('answer /healthz, /readyz (store checks, then 503 while stopping) and /metrics as JSON and text', async () => {
    const running = await startApp();
    const http = new HttpServer(createLogger('silent'));
    const health = new Health({ cacheMs: 0 }).add(...running.readiness);
    health.mount(http, running.metrics);
    const port = await http.listen(0, '127.0.0.1');
    const get = async (route: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${route}`);
      return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
    };
    try {
      expect((await get('/healthz')).status).toBe(200);
      expect(JSON.parse((await get('/readyz')).body)).toEqual({ status: 'starting', checks: {} });

      health.markStarted();
      const ready = await get('/readyz');
      expect(ready.status).toBe(200);
      const checks = JSON.parse(ready.body).checks as Record<string, { ok: boolean }>;
      expect(Object.keys(checks).sort()).toEqual(['store:checkpoints', 'store:coordination', 'store:knowledge', 'store:transcripts']);
      expect(Object.values(checks).every((check) => check.ok)).toBe(true);

      health.add({ name: 'platform:discord', check: async () => Promise.reject(new Error('discord is not connected')) });
      const down = await get('/readyz');
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body).checks['platform:discord']).toMatchObject({ ok: false, error: 'discord is not connected' });

      const metrics = await get('/metrics');
      expect(metrics.type).toContain('text/plain');
      expect(metrics.body).toContain('crosstalk_events_received_total');

      health.markStopping();
      expect((await get('/readyz')).status).toBe(503);
    } finally {
      await http.close();
    }
  });

  it('fails a check that hangs within its timeout', async () => {
    const health = new Health({ timeoutMs: 200, cacheMs: 0 }).add({ name: 'store:hung', check: () => new Promise(() => {}) });
    health.markStarted();
    const result = await health.readiness();
    expect(result.ready).toBe(false);
    expect(result.checks['store:hung']?.error).toMatch(/within 200 ms/u);
  });
});

describe('Sentry', () => {
  it('receives a failed turn tagged with platform, workspace and thread, without the message text', async () => {
    const sentry = await startFakeSentry();
    try {
      const reporter = await startSentry({ dsn: sentry.dsn, environment: 'test', release: undefined, logMessageText: false });
      const running = await startApp({ onFailure: (failure) => reporter.report(failure) });
      fake.failNext(500, 10);
      await running.bot.handle(mention(`@crosstalk ${SECRET_TEXT}`), new RecordingSurface());
      await running.bot.idle();
      expect(await reporter.close(10_000)).toBe(true);

      const event = sentry.events().find((candidate) => candidate.extra?.log === 'turn failed');
      expect(event).toBeDefined();
      expect(event.tags).toMatchObject({ platform: 'slack', workspace: 'T-ACME', thread: 'slack:T-ACME:C-ENG:1700000000.000100', component: 'bot' });
      expect(event.tags.turn).toMatch(/^[0-9a-f]{12}$/u);
      expect(event.exception.values.at(-1).value).toMatch(/500/u);
      expect(sentry.rawBodies.join('\n')).not.toContain('pineapple-42');
    } finally {
      await sentry.close();
    }
  });
});
