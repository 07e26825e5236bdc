// The app with Slack on, as runApp starts it (createApp + the Slack platform on the shared HTTP
// server), Bolt's Web API calls going to the fake Slack, the model to the fake OpenAI server.
// Requests are signed like Slack signs them (v0 HMAC-SHA256 over `v0:<timestamp>:<body>`).
import { createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSlackPlatform } from '../../adapters/slack/slack-platform.js';
import { createApp, type App, type RunningPlatform } from '../../src/app.js';
import type { Bot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { HttpServer } from '../../src/http/server.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ChatMessage } from '../../src/model.js';
import { openInstallationRecords } from '../../src/stores/sqlite/installations.js';
import { FAKE_BOT_USER, FAKE_TEAM, type FakeSlackApi } from '../fakes/slack-api.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface SlackHarness {
  app: App;
  platform: RunningPlatform;
  url: string;
  /** Where the app keeps its data (the SQLite file). */
  dataDir: string;
  /** Every message the Slack adapter handed to the bot, in order. */
  handled: ChatMessage[];
  close(): Promise<void>;
}

export async function startSlackHarness(options: {
  slack: FakeSlackApi;
  openaiUrl: string;
  nativeStreaming?: boolean;
  env?: Record<string, string>;
  /** Where the app logs (the fault suite captures it); default silent unless LOG_LEVEL is set. */
  logger?: Logger;
}): Promise<SlackHarness> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-slack-'));
  const config = loadConfig({
    DATA_DIR: dir,
    OPENAI_BASE_URL: options.openaiUrl,
    OPENAI_API_KEY: 'test-key',
    LLM_MODEL: 'test-model',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: options.slack.url,
    PORT: '0',
    ...options.env,
  });
  const logger = options.logger ?? createLogger(config.logLevel ?? 'silent');
  const app = await createApp(config, logger);
  const handled: ChatMessage[] = [];
  // The bot as the adapter sees it, counting what it is handed.
  const bot = Object.create(app.bot) as Bot;
  bot.handle = (message, surface) => {
    handled.push(message);
    return app.bot.handle(message, surface);
  };
  const http = new HttpServer(logger);
  // As runApp: OAuth installs live in the data directory's SQLite file, encrypted.
  const installations = config.slack!.oauth ? openInstallationRecords(config.dataDir, config.slack!.oauth.encryptionKey) : undefined;
  const platform = await startSlackPlatform({
    config: config.slack!,
    botName: config.botName,
    bot,
    commands: app.commands,
    transcripts: app.stores.transcripts,
    logger,
    http,
    installations: installations?.records,
    ...(options.nativeStreaming === undefined ? {} : { nativeStreaming: options.nativeStreaming }),
  });
  const port = await http.listen(0, '127.0.0.1');
  return {
    app,
    platform,
    url: `http://127.0.0.1:${port}`,
    dataDir: dir,
    handled,
    close: async () => {
      await platform.stop();
      await http.close();
      installations?.close();
      await app.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export function signature(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface Delivery {
  status: number;
  ms: number;
  body: string;
}

/** POSTs `body` to `path` signed as Slack would, now or at `timestamp`. */
export async function postSigned(
  url: string,
  body: string,
  options: { contentType?: string; timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<Delivery> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const response = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? signature(body, timestamp),
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - started, body: text };
}

let eventCounter = 0;

/** An Events API envelope around `event`, as Slack delivers it to the app in `workspace`. */
export function eventEnvelope(
  event: Record<string, unknown>,
  eventId = `Ev${++eventCounter}${Date.now()}`,
  workspace: { teamId: string; botUserId: string } = { teamId: FAKE_TEAM, botUserId: FAKE_BOT_USER },
): string {
  const { teamId, botUserId } = workspace;
  return JSON.stringify({
    token: 'verification-token-unused',
    team_id: teamId,
    api_app_id: 'A0FAKE',
    event: { team: teamId, event_ts: event.ts, ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

let tsCounter = 0;
/** A fresh Slack message ts. */
export function newTs(): string {
  return `${Math.floor(Date.now() / 1000)}.${String(500_000 + ++tsCounter).padStart(6, '0')}`;
}

/** Waits until the bot has been handed `count` messages and has answered all of them. */
export async function settled(h: SlackHarness, count: number): Promise<void> {
  await waitFor(`${count} messages handed to the bot`, () => h.handled.length >= count);
  await h.app.bot.idle();
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
