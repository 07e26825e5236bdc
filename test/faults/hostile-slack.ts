// Hostile requests for the app's Slack events endpoint, to be posted correctly signed: what each
// one is, its body and content type, and the statuses a sane receiver answers it with. The
// signature is right (row 2 covers wrong ones); the content is not.
import { eventEnvelope, newTs } from '../e2e/slack-harness.js';
import { FAKE_BOT_ID, FAKE_BOT_USER, FAKE_TEAM } from '../fakes/slack-api.js';
import type { HostileInput } from './hostile-input.js';

export const SLACK_PEOPLE = [
  { id: 'U0ALICE', name: 'alice' },
  { id: 'U0BOB', name: 'bob' },
] as const;
const CHANNELS = ['C0HOSTILE', 'C0CHATTER'];
const OTHER_BOT = { user: 'U0DEPLOYBOT', botId: 'B0DEPLOYBOT' };
const MENTION = `<@${FAKE_BOT_USER}>`;
const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';

/**
 * 200: acked (Events API requests are acked before any listener runs, even ones it then drops).
 * 400: a body Bolt cannot parse or take apart. 404: a readable payload no listener takes (Bolt
 * waits its 3 s ack window for one first).
 */
const ACKED = [200];
const UNREADABLE = [400];
const ACKED_OR_UNREADABLE = [200, 400];
const UNREADABLE_OR_UNTAKEN = [400, 404];
const UNTAKEN = [404];

export type SlackKind =
  | 'addressed'
  | 'bot loop'
  | 'subtype'
  | 'chatter'
  | 'malformed event'
  | 'slash command'
  | 'interactivity'
  | 'url_verification'
  | 'wrong content-type'
  | 'not an object';

export interface SlackRequest {
  kind: SlackKind;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
  /** The statuses a sane receiver answers it with. */
  allowed: readonly number[];
}

export interface SlackPost {
  channel: string;
  ts: string;
}

export interface HostileSlack {
  requests: SlackRequest[];
  /** Well-formed posts by people, addressed to the bot: each gets exactly one reply. */
  addressed: SlackPost[];
  /** Posts by bots (the bot itself included) and non-post subtypes: never handed to the bot or answered. */
  ignored: SlackPost[];
  /** People talking, not to the bot: never answered. */
  chatter: SlackPost[];
}

/** `count` signed hostile Slack requests, in a seeded order. */
export function hostileSlackRequests(count: number, input: HostileInput): HostileSlack {
  const { random, pick, text, garbage } = input;
  const made: HostileSlack = { requests: [], addressed: [], ignored: [], chatter: [] };
  const push = (kind: SlackKind, body: string, allowed: readonly number[], contentType = JSON_TYPE, headers?: Record<string, string>) =>
    made.requests.push({ kind, body, contentType, allowed, ...(headers ? { headers } : {}) });
  const person = () => pick(SLACK_PEOPLE).id;
  const dmOf = (user: string) => `D${user.slice(1)}`;
  /** The envelope Slack sends, around an `event` that need not be an object. */
  const envelope = (event: unknown, fields: Record<string, unknown> = {}) => JSON.stringify({ ...(JSON.parse(eventEnvelope({})) as object), event, ...fields });
  const huge = () => 'x'.repeat(100_000 + Math.floor(random() * 50_000));

  const addressed = () => {
    const user = person();
    const ts = newTs();
    if (random() < 0.3) {
      const channel = dmOf(user);
      made.addressed.push({ channel, ts });
      return push('addressed', eventEnvelope({ type: 'message', channel_type: 'im', channel, user, text: `hi ${text()}`, ts }), ACKED);
    }
    const channel = pick(CHANNELS);
    made.addressed.push({ channel, ts });
    const mention = { type: 'app_mention', channel, user, text: `${MENTION} ${text()}`, ts };
    const body = eventEnvelope(mention);
    push('addressed', body, ACKED);
    // The same post again: as the `message` event Slack also sends, or as a retry.
    const again = random();
    if (again < 0.2) push('addressed', eventEnvelope({ ...mention, type: 'message', channel_type: 'channel' }), ACKED);
    else if (again < 0.3) push('addressed', body, ACKED, JSON_TYPE, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
  };

  const botLoop = () => {
    const channel = pick([...CHANNELS, dmOf(person())]);
    const ts = newTs();
    const thread = made.addressed.length > 0 && random() < 0.5 ? { thread_ts: pick(made.addressed).ts } : {};
    const said = `${MENTION} ${text()}`;
    made.ignored.push({ channel, ts });
    const event = pick([
      { type: 'message', user: FAKE_BOT_USER, bot_id: FAKE_BOT_ID },
      { type: 'message', subtype: 'bot_message', bot_id: OTHER_BOT.botId, username: 'deploybot' },
      { type: 'message', user: OTHER_BOT.user, bot_id: OTHER_BOT.botId },
      { type: 'app_mention', user: OTHER_BOT.user, bot_id: OTHER_BOT.botId },
    ]);
    push('bot loop', eventEnvelope({ ...event, channel, channel_type: channel.startsWith('D') ? 'im' : 'channel', text: said, ts, ...thread }), ACKED);
  };

  const subtype = () => {
    const channel = pick(CHANNELS);
    const ts = newTs();
    const user = person();
    made.ignored.push({ channel, ts });
    const earlier = { type: 'message', user, text: `${MENTION} ${text()}`, ts: newTs() };
    const event = pick<Record<string, unknown>>([
      { subtype: 'message_changed', hidden: true, message: { ...earlier, text: `${MENTION} ${text()}` }, previous_message: earlier },
      { subtype: 'message_deleted', hidden: true, deleted_ts: earlier.ts, previous_message: earlier },
      { subtype: 'channel_join', user, text: `<@${user}> has joined the channel` },
      { subtype: 'bot_message', bot_id: OTHER_BOT.botId, text: `${MENTION} ${text()}` },
      { subtype: 'message_changed', message: garbage(), previous_message: garbage() },
    ]);
    push('subtype', eventEnvelope({ type: 'message', channel, channel_type: 'channel', ts, ...event }), ACKED);
  };

  const chatter = () => {
    const channel = pick(CHANNELS);
    const ts = newTs();
    made.chatter.push({ channel, ts });
    push('chatter', eventEnvelope({ type: 'message', channel, channel_type: 'channel', user: person(), text: random() < 0.05 ? huge() : text(), ts }), ACKED);
  };

  const malformedEvent = () => {
    const variant = random();
    if (variant < 0.15) return push('malformed event', envelope(pick([null, 'hello', 42, [], [null], {}, true, text()])), ACKED_OR_UNREADABLE);
    const event: Record<string, unknown> = {
      type: pick(['app_mention', 'message', 'reaction_added', 'assistant_thread_started', text()]),
      channel: pick(CHANNELS),
      channel_type: 'channel',
      user: person(),
      text: random() < 0.03 ? `${MENTION} ${huge()}` : `${MENTION} ${text()}`,
      ts: newTs(),
    };
    for (const field of ['type', 'channel', 'channel_type', 'user', 'text', 'ts', 'thread_ts', 'subtype', 'bot_id', 'team', 'item', 'assistant_thread', 'message']) {
      if (random() < 0.25) event[field] = garbage();
    }
    // At least one field the adapter reads is of the wrong type or gone.
    const broken = pick(['channel', 'user', 'text', 'ts', 'thread_ts', 'subtype', 'channel_type']);
    event[broken] = pick([null, 42, true, [], ['a', 'list'], { id: 'C0HOSTILE' }, undefined]);
    if (variant < 0.3) return push('malformed event', envelope(event, { team_id: garbage(), authorizations: garbage(), event_id: garbage(), type: garbage() }), ACKED_OR_UNREADABLE);
    push('malformed event', envelope(event), ACKED_OR_UNREADABLE);
  };

  const slashCommand = () => {
    const fields: Array<[string, string]> = Object.entries({
      token: 'unused',
      team_id: FAKE_TEAM,
      team_domain: 'hostile',
      channel_id: pick([...CHANNELS, '', text()]),
      channel_name: 'hostile',
      user_id: person(),
      user_name: pick(['alice', text()]),
      command: pick(['/ask', '/kb', '/digest', '/crosstalk', '/nope', `/${text()}`, '', text()]),
      text: pick(['help', 'search deploy', 'status', '', text()]),
      api_app_id: 'A0FAKE',
      response_url: 'http://127.0.0.1:9/commands/response',
      trigger_id: `TRIG.${made.requests.length}`,
    });
    // Fields missing, or given twice (a form's way of making a list).
    if (random() < 0.25) fields.splice(Math.floor(random() * fields.length), 1);
    if (random() < 0.2) fields.push([pick(fields)[0], text()]);
    // Without a `command` the form is no payload Bolt knows: no listener takes it.
    push('slash command', new URLSearchParams(fields).toString(), fields.some(([name]) => name === 'command') ? ACKED : UNTAKEN, FORM);
  };

  const interactivity = () => {
    const variant = random();
    const form = (payload: string) => new URLSearchParams({ payload }).toString();
    if (variant < 0.6) return push('interactivity', form(`{"type":"block_actions",${text()}`), UNREADABLE, FORM);
    if (variant < 0.85) return push('interactivity', form(pick(['null', '[1]', '"block_actions"', '42'])), UNREADABLE, FORM);
    // Readable ones wait out Bolt's 3 s ack window when no listener takes them: kept few.
    const payload = {
      type: pick(['block_actions', 'shortcut', 'message_action', 'view_submission', 'view_closed', 'block_suggestion', 'interactive_message', 'dialog_submission']),
      actions: garbage(),
      team: garbage(),
      user: garbage(),
      channel: garbage(),
      view: garbage(),
      response_urls: garbage(),
    };
    push('interactivity', form(JSON.stringify(payload)), UNREADABLE_OR_UNTAKEN, FORM);
  };

  const urlVerification = () => {
    const challenge = pick<unknown>([text(), '', 42, null, { a: [1] }, 'x'.repeat(10_000), undefined]);
    push('url_verification', JSON.stringify({ token: 'unused', challenge, type: 'url_verification' }), ACKED);
  };

  const wrongContentType = () => {
    const chatterBody = () => {
      const channel = pick(CHANNELS);
      const ts = newTs();
      made.chatter.push({ channel, ts });
      return eventEnvelope({ type: 'message', channel, channel_type: 'channel', user: person(), text: text(), ts });
    };
    const variants: Array<() => void> = [
      // Bolt reads every body that is not a form as JSON, whatever its content type says.
      () => push('wrong content-type', chatterBody(), ACKED, pick(['text/plain', 'application/json; charset=utf-8', ''])),
      () => push('wrong content-type', '<event type="app_mention"/>', UNREADABLE, 'application/xml'),
      () => push('wrong content-type', `--x\r\ncontent-disposition: form-data; name="payload"\r\n\r\n${text()}\r\n--x--`, UNREADABLE, 'multipart/form-data; boundary=x'),
      () => push('wrong content-type', 'command=%2Fask&text=hi', UNREADABLE, pick(['application/json', 'application/x-www-form-urlencoded; charset=utf-8'])),
      () => push('wrong content-type', text() || '\u0000', UNREADABLE, 'application/octet-stream'),
    ];
    // A JSON event sent as a form parses to one odd key: no listener takes it (rare: 3 s each).
    if (random() < 0.05) return push('wrong content-type', chatterBody(), UNTAKEN, FORM);
    pick(variants)();
  };

  const notAnObject = () => {
    const [body, contentType] = pick<[string, string]>([
      ['null', JSON_TYPE],
      ['[1,2]', JSON_TYPE],
      ['"event_callback"', JSON_TYPE],
      ['payload=null', FORM],
    ]);
    push('not an object', body, UNREADABLE, contentType);
  };

  // Cumulative shares. Addressed posts and well-formed commands each run a turn, the costly part.
  const kinds: Array<[number, () => void]> = [
    [0.04, addressed],
    [0.1, botLoop],
    [0.16, subtype],
    [0.24, chatter],
    [0.67, malformedEvent],
    [0.72, slashCommand],
    [0.8, interactivity],
    [0.86, urlVerification],
    [0.96, wrongContentType],
    [1, notAnObject],
  ];
  while (made.requests.length < count) {
    const roll = random();
    kinds.find(([upTo]) => roll < upTo)![1]();
  }
  // A duplicate delivery can overshoot by one; the first delivery of every post is kept.
  made.requests.length = count;
  return made;
}
