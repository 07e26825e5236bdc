// 10,000 generated hostile events through the real entry points: Discord gateway dispatches
// (MESSAGE_CREATE and INTERACTION_CREATE, well-formed and not) into the real discord.js client and
// the real app, and lines typed into the shell's parser. The process stays up, nothing rejects
// unhandled, every addressed well-formed message is answered exactly once, bot loops are not
// answered, and every error line the adapter writes says what it was handling. Seeded (FAULT_SEED).
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
import { ALICE, APPLICATION_ID, BOB, BOT_USER, GENERAL_CHANNEL_ID, GUILD_ID, OTHER_BOT, RANDOM_CHANNEL_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-rest.js';
import { waitUntil as waitFor } from '../redis/redis-server.js';
import { recordFault } from './fault-report.js';
import { FAULT_SEED, seeded } from './seeded-random.js';

const DISCORD_EVENTS = 4_000;
const SHELL_LINES = 6_000;
const ADDRESSED_SHARE = 0.04;
const MENTION = `<@${BOT_USER.id}>`;

const random = seeded(FAULT_SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Text people (or attackers) type: control characters, odd unicode, huge, empty, markup. */
function hostileText(): string {
  const pieces = [
    () => '',
    () => ' \t ',
    () => '\u0000\u0007\u001b[31m\u0008',
    () => '\u202eevil\u202c \u200b\u200d\ufeff',
    () => '\ud800 lone \udfff surrogates',
    () => 'Z̷̡̛̤͎a̸̱̔l̶̰͝g̴̺̈o̵̗͒',
    () => '👩‍👩‍👧‍👦🏳️‍🌈🇺🇳 \u{1F600}'.repeat(1 + Math.floor(random() * 20)),
    () => '```'.repeat(1 + Math.floor(random() * 5)),
    () => '@everyone @here <@&1> <#2> <:x:3> <t:0:R>',
    () => 'x'.repeat(1 + Math.floor(random() * 6_000)),
    () => String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(random() * 0xffff))),
    () => '{"__proto__":{"polluted":true}} constructor prototype',
  ];
  return Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(pieces)()).join(' ');
}

/** Payload fields of the wrong type, missing, or nested garbage. */
function garbage(): unknown {
  return pick<() => unknown>([
    () => undefined,
    () => null,
    () => 42,
    () => -1e308,
    () => '',
    () => 'not-a-snowflake',
    () => [],
    () => [[[[{}]]]],
    () => ({ nested: { deeper: { deepest: [null, 1, 'x', { a: [] }] } } }),
    () => true,
    () => hostileText(),
  ])();
}

let dir: string;
let discord: FakeDiscord;
let app: App;
let platform: RunningDiscord;
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
});

afterAll(async () => {
  await platform?.stop();
  await app?.close();
  await discord?.close();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);
  fs.rmSync(dir, { recursive: true, force: true });
});

it('10,000 hostile events: no crash, no unhandled rejection, one answer per addressed message, clear log lines', async () => {
  const started = performance.now();
  const addressed: string[] = [];
  const botLoops: string[] = [];
  const malformed = { message: 0, interaction: 0, unknownEvent: 0 };
  for (let n = 0; n < DISCORD_EVENTS; n++) {
    const roll = random();
    const channel = pick([GENERAL_CHANNEL_ID, RANDOM_CHANNEL_ID]);
    if (roll < ADDRESSED_SHARE) {
      addressed.push(discord.say(channel, pick([ALICE, BOB]), `${MENTION} ${hostileText()}`).id);
    } else if (roll < 0.1) {
      // Bot loops: the bot's own post and another bot, both mentioning the bot.
      botLoops.push(discord.say(channel, pick([BOT_USER, OTHER_BOT]), `${MENTION} ${hostileText()}`).id);
    } else if (roll < 0.3) {
      // Chatter nobody addressed to the bot.
      discord.say(channel, pick([ALICE, BOB]), hostileText());
    } else if (roll < 0.7) {
      malformed.message++;
      const payload: Record<string, unknown> = { id: String(10n ** 17n + BigInt(n)), channel_id: channel, author: ALICE, content: `${MENTION} ${hostileText()}`, timestamp: new Date().toISOString(), type: 0, guild_id: GUILD_ID, mentions: [], attachments: [], embeds: [] };
      for (const field of ['id', 'channel_id', 'author', 'content', 'timestamp', 'type', 'guild_id', 'mentions', 'attachments', 'embeds', 'member', 'thread']) {
        if (random() < 0.25) payload[field] = garbage();
      }
      if (random() < 0.2) delete payload[pick(Object.keys(payload))];
      discord.gateway.dispatch('MESSAGE_CREATE', payload);
    } else if (roll < 0.95) {
      malformed.interaction++;
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
      malformed.unknownEvent++;
      discord.gateway.dispatch(pick(['NOT_AN_EVENT', 'MESSAGE_UPDATE', 'MESSAGE_DELETE', 'GUILD_MEMBER_ADD', 'TYPING_START']), garbage() ?? {});
    }
    // Let the client read the socket as it goes, as a live gateway would pace it.
    if (n % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => addressed.every((id) => discord.botMessages(id).length > 0), 'not every addressed message was answered', 240_000);
  await app.bot.idle();
  // Late duplicates would show up now.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await app.bot.idle();

  // The shell: every generated line parses to something the shell can act on.
  let shellFailures = 0;
  let shellMessages = 0;
  let sequence = 0;
  for (let n = 0; n < SHELL_LINES; n++) {
    const line = pick([() => hostileText(), () => `/${hostileText()}`, () => `@crosstalk ${hostileText()}`, () => `/kb add ${hostileText()}`, () => '/quit ', () => '\r\n'])();
    try {
      const input = parseLine(line, { botName: 'crosstalk', currentThread: random() < 0.5 ? undefined : { platform: 'shell', workspaceId: 'local', channelId: 'general', threadId: 't1' }, nextId: () => `s${++sequence}`, now: new Date() });
      if (input.type === 'message') shellMessages++;
    } catch {
      shellFailures++;
    }
  }
  const seconds = (performance.now() - started) / 1000;

  const replyCounts = addressed.map((id) => discord.botMessages(id).length);
  const answeredTwice = replyCounts.filter((count) => count > 1).length;
  const loopsAnswered = botLoops.filter((id) => discord.channel(id) !== undefined || discord.botMessages(id).length > 0).length;
  const problems = logLines.filter((line) => Number(line.level) >= 40);
  // A warn or error line must say what it is about: its message plus an error or a reason.
  const unclear = problems.filter((line) => typeof line.msg !== 'string' || line.msg.length < 10);
  const dropped = problems.filter((line) => String(line.msg).startsWith('dropped a malformed') && typeof line.event === 'string' && typeof line.problem === 'string');
  // Still up: still connected, and a plain mention after all of it is answered.
  const probe = discord.say(GENERAL_CHANNEL_ID, ALICE, `${MENTION} are you still there?`);
  const alive = await waitFor(() => discord.botMessages(probe.id).length === 1, 'the bot stopped answering', 30_000).then(
    () => discord.gateway.isLive(),
    () => false,
  );
  const total = DISCORD_EVENTS + SHELL_LINES;
  recordFault({
    guarantee: 'hostile events: no crash, one answer each, clear logs',
    tried: `${total.toLocaleString('en')} events: ${DISCORD_EVENTS.toLocaleString('en')} Discord gateway dispatches (${addressed.length} addressed, ${botLoops.length} bot loops, ${malformed.message} malformed MESSAGE_CREATE, ${malformed.interaction} malformed INTERACTION_CREATE, ${malformed.unknownEvent} unknown/odd events) + ${SHELL_LINES.toLocaleString('en')} shell lines; seed ${FAULT_SEED}`,
    happened: `${replyCounts.filter((count) => count === 1).length}/${addressed.length} answered once, ${answeredTwice} twice, ${loopsAnswered} bot loops answered; ${unhandled.length} unhandled rejections, ${uncaught.length} uncaught; ${problems.length} warn/error lines (${dropped.length} name a dropped malformed event and its problem; ${unclear.length} unclear); ${shellFailures} shell parse failures`,
    figures: `${seconds.toFixed(1)} s`,
    held: alive && replyCounts.every((count) => count === 1) && loopsAnswered === 0 && unhandled.length === 0 && uncaught.length === 0 && unclear.length === 0 && shellFailures === 0,
  });
  expect(addressed.length).toBeGreaterThan(100);
  expect(replyCounts).toEqual(addressed.map(() => 1));
  expect(loopsAnswered).toBe(0);
  expect(unhandled).toEqual([]);
  expect(uncaught).toEqual([]);
  expect(unclear).toEqual([]);
  expect(dropped.length).toBeGreaterThan(0);
  expect(shellFailures).toBe(0);
  expect(shellMessages).toBeGreaterThan(SHELL_LINES / 2);
  expect(alive).toBe(true);
}, 400_000);
