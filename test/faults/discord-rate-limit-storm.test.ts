// A Discord 429 storm: while people mention the bot, half of its message posts and edits (and
// thread creations) are answered 429, a fifth of those as a global rate limit. The real discord.js
// client through the real app must deliver every reply exactly once, each retry only after the
// wait Discord asked for. Seeded (FAULT_SEED), so the sequence of 429s reproduces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscord, type RunningDiscord } from '../../adapters/discord/discord-adapter.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ALICE, APPLICATION_ID, BOB, BOT_USER, GENERAL_CHANNEL_ID, GUILD_ID, RANDOM_CHANNEL_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-rest.js';
import { waitUntil as waitFor } from '../redis/redis-server.js';
import { recordFault } from './fault-report.js';
import { FAULT_SEED, seeded } from './seeded-random.js';
import { suiteLogger } from './suite-logs.js';

const MENTIONS = 40;
const RETRY_AFTER_S = 0.3;
/** Message posts and edits, and threads started on a message. */
const STORM_ROUTE = /^(POST \/channels\/\d+\/messages(\/\d+\/threads)?|PATCH \/channels\/\d+\/messages\/\d+)$/;
/** The fake stamps a call when it answers; the client's clock may read a few ms differently. */
const CLOCK_SLACK_MS = 15;

let dir: string;
let discord: FakeDiscord;
let app: App;
let platform: RunningDiscord;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-discord-429-'));
  discord = await startFakeDiscord();
  const config = loadConfig({
    DATA_DIR: dir,
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: APPLICATION_ID,
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: discord.apiUrl,
  });
  const { logger } = suiteLogger('discord-429-storm');
  app = await createApp(config, logger);
  platform = await startDiscord({ ...config.discord!, botName: config.botName, bot: app.bot, commands: app.commands.list(), logger });
});

afterAll(async () => {
  await platform?.stop();
  await app?.close();
  await discord?.close();
  process.off('unhandledRejection', onUnhandled);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('every reply is delivered exactly once through a 429 storm, each retry after its wait', async () => {
  const started = performance.now();
  const from = discord.calls.length;
  const storm = { route: STORM_ROUTE, share: 0.5, globalShare: 0.2, retryAfterSeconds: RETRY_AFTER_S, random: seeded(FAULT_SEED), served: { local: 0, global: 0 } };
  const stopStorm = discord.rateLimitStorm(storm);
  const questions = Array.from({ length: MENTIONS }, (_, n) =>
    discord.say(n % 2 === 0 ? GENERAL_CHANNEL_ID : RANDOM_CHANNEL_ID, n % 3 === 0 ? BOB : ALICE, `<@${BOT_USER.id}> question ${n}: what is our deploy process?`),
  );
  await waitFor(() => questions.every((question) => discord.botMessages(question.id).length > 0), 'not every mention got a reply through the storm', 240_000);
  await app.bot.idle();
  stopStorm();
  const seconds = (performance.now() - started) / 1000;

  const calls = discord.calls.slice(from);
  const limited = calls.filter((call) => call.status === 429 && STORM_ROUTE.test(`${call.method} ${call.path}`));
  const global = storm.served.global;
  // After a 429 on a path, the client's next request on that path must wait the retry-after.
  let early = 0;
  for (const [index, call] of calls.entries()) {
    if (call.status !== 429) continue;
    const next = calls.slice(index + 1).find((later) => later.method === call.method && later.path === call.path);
    if (next && next.at < call.at + RETRY_AFTER_S * 1000 - CLOCK_SLACK_MS) early++;
  }
  const replyCounts = questions.map((question) => discord.botMessages(question.id).length);
  const onceEach = replyCounts.filter((count) => count === 1).length;
  const complete = questions.filter((question) => /no language model/i.test(discord.botMessages(question.id)[0]?.content ?? '')).length;
  const inChannels = discord.botMessages(GENERAL_CHANNEL_ID).length + discord.botMessages(RANDOM_CHANNEL_ID).length;

  recordFault({
    guarantee: 'Discord 429 storm: every reply once, after the waits',
    tried: `${MENTIONS} mentions while 50% of message posts/edits/thread starts got 429 (retry_after ${RETRY_AFTER_S} s, 1 in 5 global); seed ${FAULT_SEED}`,
    happened: `${onceEach}/${MENTIONS} threads with exactly one reply (${complete} complete); ${limited.length} 429s served (${global} global); ${early} retries before their wait; ${unhandled.length} unhandled rejections`,
    figures: `${seconds.toFixed(1)} s for ${MENTIONS} replies; ${calls.length} REST calls`,
    held: onceEach === MENTIONS && complete === MENTIONS && early === 0 && unhandled.length === 0 && limited.length > 0 && inChannels === 0,
  });
  expect(limited.length).toBeGreaterThan(MENTIONS / 2);
  expect(global).toBeGreaterThan(0);
  expect(replyCounts).toEqual(questions.map(() => 1));
  expect(complete).toBe(MENTIONS);
  expect(inChannels).toBe(0);
  expect(early).toBe(0);
  expect(unhandled).toEqual([]);
}, 300_000);
