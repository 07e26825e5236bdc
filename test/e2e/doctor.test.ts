// `crosstalk doctor` as an operator runs it: one line per check, what to fix on each failure,
// and a non-zero exit when anything fails. Services are real (Redis) or local fakes; the
// unreachable ones are closed ports.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { reachRedis, type TestRedis } from '../redis/redis-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;
let openai: FakeOpenAI;
let redis: TestRedis;
let slack: Server;
let slackUrl: string;
/** A port nothing listens on: the check must say the service did not answer. */
let closedPort: number;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-doctor-'));
  openai = await startFakeOpenAI();
  redis = await reachRedis();
  // Slack's Web API answers auth.test with HTTP 200 and ok:false for a revoked token.
  slack = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
  });
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await openai?.close();
  await redis?.stop();
  await new Promise((resolve) => slack?.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

function doctor(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'doctor'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: os.homedir(), DATA_DIR: path.join(dir, 'data'), ...env }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, lines: stdout.trim().split('\n') }),
    );
  });
}

const line = (lines: string[], name: string) => lines.find((candidate) => candidate.replace(/^(ok|FAIL)\s+/u, '').startsWith(`${name} `));

describe('crosstalk doctor', () => {
  it('passes, one line per check, when every configured service answers', async () => {
    const { code, lines } = await doctor({ REDIS_URL: redis.url, OPENAI_BASE_URL: openai.url, LLM_MODEL: 'test-model' });
    expect(line(lines, 'configuration')).toMatch(/^ok /u);
    expect(line(lines, 'data folder')).toMatch(/^ok .*is writable/u);
    expect(line(lines, 'redis')).toMatch(/^ok .*answers at redis:\/\/.*\(Redis \d/u);
    expect(line(lines, 'language model')).toMatch(/^ok .*offers test-model/u);
    expect(lines.at(-1)).toMatch(/^All \d+ checks passed\.$/u);
    expect(code).toBe(0);
  }, 90_000);

  it('names what to fix for unreachable services, a wrong model and rejected tokens, and exits non-zero', async () => {
    const { code, lines } = await doctor({
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
      MONGODB_URL: `mongodb://127.0.0.1:${closedPort}/crosstalk`,
      OPENAI_BASE_URL: openai.url,
      LLM_MODEL: 'no-such-model',
      SLACK_SIGNING_SECRET: 'signing-secret',
      SLACK_BOT_TOKEN: 'xoxb-revoked-token',
      SLACK_API_URL: slackUrl,
      DISCORD_TOKEN: 'discord-token',
      DISCORD_APPLICATION_ID: '200000000000000001',
      DISCORD_API_URL: `http://127.0.0.1:${closedPort}/api`,
    });
    expect(line(lines, 'redis')).toMatch(/^FAIL .*Redis did not answer at redis:\/\/127\.0\.0\.1:\d+ .*start Redis or unset REDIS_URL/u);
    expect(line(lines, 'mongodb')).toMatch(/^FAIL .*MongoDB did not answer.*start MongoDB/u);
    expect(line(lines, 'language model')).toMatch(/^FAIL .*LLM_MODEL=no-such-model is not among .*test-model.*set LLM_MODEL/u);
    expect(line(lines, 'slack')).toMatch(/^FAIL .*Slack rejected SLACK_BOT_TOKEN .*invalid_auth.*OAuth & Permissions/u);
    expect(line(lines, 'discord')).toMatch(/^FAIL .*Discord did not accept DISCORD_TOKEN .*check the network/u);
    expect(lines.join('\n')).not.toContain('xoxb-revoked-token');
    expect(lines.at(-1)).toMatch(/^5 of \d+ checks failed\.$/u);
    expect(code).toBe(1);
  }, 90_000);

  it('reports each configuration problem on its own line before checking services', async () => {
    const { code, lines } = await doctor({ REDIS_URL: 'localhost:6379', LOG_MESSAGE_TEXT: 'maybe' });
    expect(lines).toContain('FAIL  configuration  REDIS_URL=localhost:6379 is not a Redis URL: use e.g. redis://127.0.0.1:6379, or unset it for the embedded store.');
    expect(lines).toContain('FAIL  configuration  LOG_MESSAGE_TEXT=maybe is not valid: use true or false.');
    expect(code).toBe(1);
  }, 60_000);
});
