// 10,000 generated hostile events through the real entry points: Discord gateway dispatches
// (MESSAGE_CREATE and INTERACTION_CREATE, well-formed and not) into the real discord.js client and
// the real app; correctly signed Slack requests (events of wrong shapes, bot loops, subtypes, slash
// commands and interactivity payloads with garbage fields, odd url_verification challenges, wrong
// content types) into a second app's real Bolt HTTP receiver; and lines typed into the shell's
// parser. The process stays up, nothing rejects unhandled, every addressed well-formed message is
// answered exactly once, bot loops are not answered, every Slack request gets a sensible status,
// and every warning or error the adapters write says what it was handling. Seeded (FAULT_SEED).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscord, type RunningDiscord } from '../../adapters/discord/discord-adapter.js';
import { parseLine } from '../../adapters/shell/parse-line.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { eventEnvelope, newTs, postSigned, startSlackHarness, type Delivery, type SlackHarness } from '../e2e/slack-harness.js';
import { ALICE, APPLICATION_ID, BOB, BOT_USER, GENERAL_CHANNEL_ID, GUILD_ID, OTHER_BOT, RANDOM_CHANNEL_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-rest.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { waitUntil as waitFor } from '../redis/redis-server.js';
import { recordFault } from './fault-report.js';
import { hostileInput } from './hostile-input.js';
import { hostileSlackRequests, SLACK_PEOPLE, type SlackPost, type SlackRequest } from './hostile-slack.js';
import { FAULT_SEED, seeded } from './seeded-random.js';

const DISCORD_EVENTS = 3_500;
const SLACK_REQUESTS = 3_500;
const SHELL_LINES = 3_000;
const ADDRESSED_SHARE = 0.04;
const MENTION = `<@${BOT_USER.id}>`;
/** Slack requests in flight at once: Slack delivers events concurrently, not one by one. */
const SLACK_CONCURRENCY = 48;
/** Fields every log line has, whatever it is about. */
const LOGGER_FIELDS = new Set(['level', 'time', 'app', 'pid', 'hostname', 'platform', 'component', 'msg', 'err']);

const input = hostileInput(seeded(FAULT_SEED));
const { random, pick, text: hostileText, garbage } = input;

let dir: string;
let discord: FakeDiscord;
let app: App;
let platform: RunningDiscord;
let slack: FakeSlackApi;
let slackApp: SlackHarness;
const logLines: Array<Record<string, unknown>> = [];
const unhandled: unknown[] = [];
const uncaught: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const onUncaught = (error: unknown) => void uncaught.push(error);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUncaught);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-hostile-'));
  discord = await startFakeDiscord();
  const config = loadConfig({ DATA_DIR: dir, DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: APPLICATION_ID, DISCORD_GUILD_ID: GUILD_ID, DISCORD_API_URL: discord.apiUrl });
  // Every line the app and adapter write, parsed, on a stream this test reads.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.startsWith('{')) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', { format: 'json', destination: sink });
  app = await createApp(config, logger);
  platform = await startDiscord({ ...config.discord!, botName: config.botName, bot: app.bot, commands: app.commands.list(), logger });
  slack = await startFakeSlackApi();
  for (const person of SLACK_PEOPLE) slack.setUser(person.id, person.name);
  // A second app, Slack on its HTTP receiver, logging to the same stream; the offline model, as above.
  slackApp = await startSlackHarness({ slack, openaiUrl: 'http://127.0.0.1:9/v1', env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '' }, logger });
});

afterAll(async () => {
  await platform?.stop();
  await app?.close();
  await discord?.close();
  await slackApp?.close();
  await slack?.close();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);
  fs.rmSync(dir, { recursive: true, force: true });
});

interface DiscordRun {
  addressed: string[];
  botLoops: string[];
  malformed: { message: number; interaction: number; unknownEvent: number };
}

/** Dispatches DISCORD_EVENTS gateway events: addressed mentions, bot loops, chatter, malformed and odd events. */
async function driveDiscord(): Promise<DiscordRun> {
  const run: DiscordRun = { addressed: [], botLoops: [], malformed: { message: 0, interaction: 0, unknownEvent: 0 } };
  for (let n = 0; n < DISCORD_EVENTS; n++) {
    const roll = random();
    const channel = pick([GENERAL_CHANNEL_ID, RANDOM_CHANNEL_ID]);
    if (roll < ADDRESSED_SHARE) {
      run.addressed.push(discord.say(channel, pick([ALICE, BOB]), `${MENTION} ${hostileText()}`).id);
    } else if (roll < 0.1) {
      // Bot loops: the bot's own post and another bot, both mentioning the bot.
      run.botLoops.push(discord.say(channel, pick([BOT_USER, OTHER_BOT]), `${MENTION} ${hostileText()}`).id);
    } else if (roll < 0.3) {
      // Chatter nobody addressed to the bot.
      discord.say(channel, pick([ALICE, BOB]), hostileText());
    } else if (roll < 0.7) {
      run.malformed.message++;
      const payload: Record<string, unknown> = { id: String(10n ** 17n + BigInt(n)), channel_id: channel, author: ALICE, content: `${MENTION} ${hostileText()}`, timestamp: new Date().toISOString(), type: 0, guild_id: GUILD_ID, mentions: [], attachments: [], embeds: [] };
      for (const field of ['id', 'channel_id', 'author', 'content', 'timestamp', 'type', 'guild_id', 'mentions', 'attachments', 'embeds', 'member', 'thread']) {
        if (random() < 0.25) payload[field] = garbage();
      }
      if (random() < 0.2) delete payload[pick(Object.keys(payload))];
      discord.gateway.dispatch('MESSAGE_CREATE', payload);
    } else if (roll < 0.95) {
      run.malformed.interaction++;
      const payload: Record<string, unknown> = {
        id: String(2n * 10n ** 17n + BigInt(n)),
        application_id: APPLICATION_ID,
        type: pick([1, 2, 3, 4, 5, 99, garbage()]),
        token: pick(['t', garbage()]),
        version: 1,
        data: pick([{ id: '1', name: pick(['ask', 'kb', 'digest', 'nope', hostileText()]), type: 1, options: pick([[], [{ name: 'question', type: 3, value: hostileText() }], garbage()]) }, garbage()]),
        channel_id: pick([channel, garbage()]),
        guild_id: GUILD_ID,
        member: pick([{ user: ALICE, roles: [], permissions: '1024' }, garbage()]),
      };
      discord.gateway.dispatch('INTERACTION_CREATE', payload);
    } else {
      run.malformed.unknownEvent++;
      discord.gateway.dispatch(pick(['NOT_AN_EVENT', 'MESSAGE_UPDATE', 'MESSAGE_DELETE', 'GUILD_MEMBER_ADD', 'TYPING_START']), garbage() ?? {});
    }
    // Let the client read the socket as it goes, as a live gateway would pace it.
    if (n % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return run;
}

/** Posts every request signed, SLACK_CONCURRENCY at a time; the deliveries in request order. */
async function deliverSlack(requests: readonly SlackRequest[]): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < requests.length; n = next++) {
      const { body, contentType, headers } = requests[n]!;
      deliveries[n] = await postSigned(slackApp.url, body, { contentType, ...(headers ? { headers } : {}) });
    }
  };
  await Promise.all(Array.from({ length: SLACK_CONCURRENCY }, worker));
  return deliveries;
}

/** Parses SHELL_LINES generated lines; each must parse to something the shell can act on. */
function parseShellLines(): { failures: number; messages: number } {
  let failures = 0;
  let messages = 0;
  let sequence = 0;
  for (let n = 0; n < SHELL_LINES; n++) {
    const line = pick([() => hostileText(), () => `/${hostileText()}`, () => `@crosstalk ${hostileText()}`, () => `/kb add ${hostileText()}`, () => '/quit ', () => '\r\n'])();
    try {
      const parsed = parseLine(line, { botName: 'crosstalk', currentThread: random() < 0.5 ? undefined : { platform: 'shell', workspaceId: 'local', channelId: 'general', threadId: 't1' }, nextId: () => `s${++sequence}`, now: new Date() });
      if (parsed.type === 'message') messages++;
    } catch {
      failures++;
    }
  }
  return { failures, messages };
}

const slackReplies = (post: SlackPost) => slack.botReplies(post.channel, post.ts);
const finished = (post: SlackPost) => slackReplies(post).some((reply) => !reply.streaming);

/** Counts by key, most first, for the report: `2311 ×200, 1154 ×400`. */
function tally<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
}

/** Still up: a plain mention on each platform after all of it is answered once. */
async function stillAnswering(): Promise<{ discord: boolean; slack: boolean }> {
  const discordProbe = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} are you still there?`);
  const slackProbe = { channel: 'C0PROBE', ts: newTs() };
  const acked = await postSigned(slackApp.url, eventEnvelope({ type: 'app_mention', channel: slackProbe.channel, user: SLACK_PEOPLE[0].id, text: `<@${FAKE_BOT_USER}> are you still there?`, ts: slackProbe.ts }));
  const [discordAlive, slackAlive] = await Promise.all([
    waitFor(() => discord.botMessages(discordProbe.id).length === 1, 'the Discord bot stopped answering', 30_000).then(
      () => discord.gateway.isLive(),
      () => false,
    ),
    waitFor(() => finished(slackProbe), 'the Slack bot stopped answering', 30_000).then(
      () => acked.status === 200 && slackReplies(slackProbe).length === 1,
      () => false,
    ),
  ]);
  return { discord: discordAlive, slack: slackAlive };
}

it('10,000 hostile events: no crash, no unhandled rejection, one answer per addressed message, sensible statuses, clear log lines', async () => {
  const started = performance.now();
  // Every Slack request is drawn before anything is sent, so the seed fixes them whatever the timing.
  const slackRun = hostileSlackRequests(SLACK_REQUESTS, input);
  const [discordRun, deliveries] = await Promise.all([driveDiscord(), deliverSlack(slackRun.requests)]);
  await waitFor(() => discordRun.addressed.every((id) => discord.botMessages(id).length > 0), 'not every addressed Discord message was answered', 240_000);
  await waitFor(() => slackRun.addressed.every(finished), 'not every addressed Slack message was answered', 240_000);
  const idle = () => Promise.all([app.bot.idle(), slackApp.app.bot.idle()]);
  await idle();
  // Late duplicates would show up now.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await idle();
  const shell = parseShellLines();
  const seconds = (performance.now() - started) / 1000;

  const replyCounts = discordRun.addressed.map((id) => discord.botMessages(id).length);
  const loopsAnswered = discordRun.botLoops.filter((id) => discord.channel(id) !== undefined || discord.botMessages(id).length > 0).length;

  const slackReplyCounts = slackRun.addressed.map((post) => slackReplies(post).length);
  const handed = new Set(slackApp.handled.map((message) => message.id));
  // Bots' posts and non-post subtypes are neither handed to the bot nor answered; chatter is recorded, not answered.
  const ignoredTaken = slackRun.ignored.filter((post) => handed.has(post.ts) || slackReplies(post).length > 0).length;
  const chatterAnswered = slackRun.chatter.filter((post) => slackReplies(post).length > 0).length;
  const offStatus = slackRun.requests.flatMap((request, n) => (request.allowed.includes(deliveries[n]!.status) ? [] : [`${request.kind} → ${deliveries[n]!.status}`]));

  const problems = logLines.filter((line) => Number(line.level) >= 40);
  // A warn or error line must say what it is about: its message plus an error or a reason.
  const unclear = problems.filter((line) => typeof line.msg !== 'string' || line.msg.length < 10);
  const named = (line: Record<string, unknown>, field: string) => String(line.msg).startsWith('dropped a malformed') && typeof line[field] === 'string' && typeof line.problem === 'string';
  const dropped = problems.filter((line) => line.platform === 'discord' && named(line, 'event'));
  const slackProblems = problems.filter((line) => line.platform === 'slack');
  const slackDropped = slackProblems.filter((line) => named(line, 'payload'));
  const slackErrors = slackProblems.filter((line) => Number(line.level) >= 50);
  // The adapter's own lines name what they handled in a field (payload, command, user, turn…); Bolt's own say it in their text.
  const unnamed = slackProblems.filter((line) => line.component !== 'bolt' && Object.keys(line).every((key) => LOGGER_FIELDS.has(key)));
  const alive = await stillAnswering();

  const total = DISCORD_EVENTS + SLACK_REQUESTS + SHELL_LINES;
  const n = (count: number) => count.toLocaleString('en');
  recordFault({
    guarantee: 'hostile events: no crash, one answer each, clear logs',
    tried: `${n(total)} events: ${n(DISCORD_EVENTS)} Discord gateway dispatches (${discordRun.addressed.length} addressed, ${discordRun.botLoops.length} bot loops, ${discordRun.malformed.message} malformed MESSAGE_CREATE, ${discordRun.malformed.interaction} malformed INTERACTION_CREATE, ${discordRun.malformed.unknownEvent} unknown/odd events) + ${n(SLACK_REQUESTS)} signed Slack requests (${tally(slackRun.requests, (request) => request.kind)}; the addressed are ${slackRun.addressed.length} posts, some delivered twice) + ${n(SHELL_LINES)} shell lines; seed ${FAULT_SEED}`,
    happened: `Discord ${replyCounts.filter((count) => count === 1).length}/${replyCounts.length} answered once, ${replyCounts.filter((count) => count > 1).length} more than once, ${loopsAnswered} bot loops answered; Slack ${slackReplyCounts.filter((count) => count === 1).length}/${slackReplyCounts.length} answered once, ${slackReplyCounts.filter((count) => count > 1).length} more than once, ${ignoredTaken} bot/subtype posts taken, ${chatterAnswered} chatter answered, statuses ${tally(deliveries, (delivery) => `×${delivery.status}`)} (${offStatus.length} outside what their kind allows); ${unhandled.length} unhandled rejections, ${uncaught.length} uncaught; ${problems.length} warn/error lines (${dropped.length} Discord and ${slackDropped.length} Slack name a dropped malformed event and its problem; ${slackErrors.length} Slack errors; ${unclear.length + unnamed.length} unclear); ${shell.failures} shell parse failures`,
    figures: `${seconds.toFixed(1)} s`,
    held:
      alive.discord &&
      alive.slack &&
      replyCounts.every((count) => count === 1) &&
      slackReplyCounts.every((count) => count === 1) &&
      loopsAnswered === 0 &&
      ignoredTaken === 0 &&
      chatterAnswered === 0 &&
      offStatus.length === 0 &&
      unhandled.length === 0 &&
      uncaught.length === 0 &&
      unclear.length === 0 &&
      unnamed.length === 0 &&
      slackErrors.length === 0 &&
      shell.failures === 0,
  });
  expect(discordRun.addressed.length).toBeGreaterThan(100);
  expect(replyCounts).toEqual(discordRun.addressed.map(() => 1));
  expect(loopsAnswered).toBe(0);
  expect(slackRun.addressed.length).toBeGreaterThan(100);
  expect(slackReplyCounts).toEqual(slackRun.addressed.map(() => 1));
  expect(ignoredTaken).toBe(0);
  expect(chatterAnswered).toBe(0);
  expect(offStatus).toEqual([]);
  expect(unhandled).toEqual([]);
  expect(uncaught).toEqual([]);
  expect(unclear).toEqual([]);
  expect(unnamed).toEqual([]);
  expect(slackErrors).toEqual([]);
  expect(dropped.length).toBeGreaterThan(0);
  expect(slackDropped.length).toBeGreaterThan(0);
  expect(shell.failures).toBe(0);
  expect(shell.messages).toBeGreaterThan(SHELL_LINES / 2);
  expect(alive).toEqual({ discord: true, slack: true });
}, 400_000);
