// A local server speaking Slack's Web API wire format (POST /api/<method>, form or JSON bodies,
// `{ ok, ... }` answers), so the real Bolt WebClient can run against it via
// `clientOptions.slackApiUrl`. It keeps the messages it was asked to post, so tests can assert
// what a user would see in a thread, and it records every call.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_TEAM = 'T0FAKE';
export const FAKE_BOT_USER = 'U0BOT';
export const FAKE_BOT_ID = 'B0BOT';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status the fake answered with. */
  status: number;
  at: number;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text: string;
  /** True while a native stream is open. */
  streaming?: boolean;
}

export interface FakeSlackApi {
  /** Base URL for `slackApiUrl`, ending in `/api/`. */
  url: string;
  calls: RecordedCall[];
  /** Calls of one method that Slack performed (not rate limited), in order. */
  performed(method: string): RecordedCall[];
  /** Every message in the channel, oldest first. */
  messages(channel: string): FakeSlackMessage[];
  /** The bot's messages in a thread (excluding the root), oldest first: what a user sees. */
  botReplies(channel: string, threadTs: string): FakeSlackMessage[];
  /** Puts a message in the channel (e.g. people talking before the bot was mentioned). */
  addMessage(message: Omit<FakeSlackMessage, 'ts'> & { ts?: string }): FakeSlackMessage;
  setUser(id: string, name: string): void;
  /** The next `count` calls of `method` get HTTP 429 with `Retry-After: retryAfterS`. */
  rateLimitNext(method: string, count: number, retryAfterS: number): void;
  /**
   * For `forMs` from now, `share` (0 to 1) of the calls whose method matches `methods` get HTTP 429
   * with `Retry-After: retryAfterS`, spread evenly (deterministic, not random).
   */
  rateLimitStorm(options: { methods: RegExp; share: number; forMs: number; retryAfterS: number }): void;
  /** The next call of `method` fails with `{ ok: false, error }`. */
  failNext(method: string, error: string): void;
  close(): Promise<void>;
}

type Handler = (args: Record<string, unknown>) => Record<string, unknown>;

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const messages: FakeSlackMessage[] = [];
  const users = new Map<string, string>([[FAKE_BOT_USER, 'crosstalk']]);
  const rateLimits = new Map<string, { count: number; retryAfterS: number }>();
  const failures = new Map<string, string>();
  let storm: { methods: RegExp; share: number; until: number; retryAfterS: number; owed: number } | undefined;
  let clock = Math.floor(Date.now() / 1000);
  let sequence = 0;
  // Like Slack, a new message's ts is the current time; the sequence keeps ts unique and ordered.
  const nextTs = () => {
    clock = Math.max(clock, Math.floor(Date.now() / 1000));
    return `${clock}.${String(++sequence).padStart(6, '0')}`;
  };
  const find = (channel: unknown, ts: unknown) => messages.find((message) => message.channel === channel && message.ts === ts);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');

  const post = (args: Record<string, unknown>, streaming = false): FakeSlackMessage => {
    const message: FakeSlackMessage = {
      channel: text(args.channel),
      ts: nextTs(),
      user: FAKE_BOT_USER,
      bot_id: FAKE_BOT_ID,
      text: text(args.text) || text(args.markdown_text),
      ...(args.thread_ts ? { thread_ts: text(args.thread_ts) } : {}),
      ...(streaming ? { streaming: true } : {}),
    };
    messages.push(message);
    return message;
  };
  const wire = (message: FakeSlackMessage) => {
    const rest: Partial<FakeSlackMessage> = { ...message };
    delete rest.streaming;
    return { type: 'message', ...rest };
  };

  const handlers: Record<string, Handler> = {
    'auth.test': () => ({ url: 'https://fake.slack.com/', team: 'Fake', user: 'crosstalk', team_id: FAKE_TEAM, user_id: FAKE_BOT_USER, bot_id: FAKE_BOT_ID }),
    'chat.postMessage': (args) => {
      if (!args.channel) return { ok: false, error: 'channel_not_found' };
      const message = post(args);
      return { channel: message.channel, ts: message.ts, message: wire(message) };
    },
    'chat.update': (args) => {
      const message = find(args.channel, args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      message.text = text(args.text) || text(args.markdown_text);
      return { channel: message.channel, ts: message.ts, text: message.text };
    },
    'chat.delete': (args) => {
      const index = messages.findIndex((message) => message.channel === args.channel && message.ts === args.ts);
      if (index < 0) return { ok: false, error: 'message_not_found' };
      messages.splice(index, 1);
      return { channel: args.channel, ts: args.ts };
    },
    'chat.startStream': (args) => {
      if (!args.thread_ts) return { ok: false, error: 'invalid_arguments' };
      if (!String(args.channel).startsWith('D') && (!args.recipient_user_id || !args.recipient_team_id)) return { ok: false, error: 'missing_recipient_user_id' };
      const message = post(args, true);
      return { channel: message.channel, ts: message.ts };
    },
    'chat.appendStream': (args) => {
      const message = find(args.channel, args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
      message.text += text(args.markdown_text);
      return { channel: message.channel, ts: message.ts };
    },
    'chat.stopStream': (args) => {
      const message = find(args.channel, args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
      message.text += text(args.markdown_text);
      message.streaming = false;
      return { channel: message.channel, ts: message.ts, message: wire(message) };
    },
    'reactions.add': () => ({}),
    'reactions.remove': () => ({}),
    'conversations.replies': (args) => ({
      messages: messages.filter((message) => message.channel === args.channel && (message.ts === args.ts || message.thread_ts === args.ts)).map(wire),
      has_more: false,
    }),
    'conversations.history': (args) => ({
      messages: messages
        .filter((message) => message.channel === args.channel && (!message.thread_ts || message.thread_ts === message.ts) && Number(message.ts) >= Number(args.oldest ?? 0))
        .reverse()
        .map(wire),
      has_more: false,
    }),
    'assistant.threads.setStatus': () => ({}),
    'assistant.threads.setSuggestedPrompts': () => ({}),
    'assistant.threads.setTitle': () => ({}),
    'users.info': (args) => {
      const name = users.get(text(args.user));
      if (!name) return { ok: false, error: 'user_not_found' };
      return { user: { id: args.user, team_id: FAKE_TEAM, name, real_name: name, profile: { display_name: name, real_name: name } } };
    },
  };

  const server = createServer((request, response) => void answer(request, response));
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/^\/api\//, '');
    const args = parseBody(request.headers['content-type'] ?? '', await readBody(request));
    const limit = rateLimits.get(method);
    if (limit && limit.count > 0) {
      limit.count -= 1;
      calls.push({ method, args, status: 429, at: Date.now() });
      return send(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfterS) });
    }
    if (storm && Date.now() < storm.until && storm.methods.test(method)) {
      storm.owed += storm.share;
      if (storm.owed >= 1) {
        storm.owed -= 1;
        calls.push({ method, args, status: 429, at: Date.now() });
        return send(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(storm.retryAfterS) });
      }
    }
    calls.push({ method, args, status: 200, at: Date.now() });
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      return send(response, 200, { ok: false, error: failure });
    }
    const handler = handlers[method];
    if (!handler) return send(response, 200, { ok: false, error: 'unknown_method' });
    send(response, 200, { ok: true, ...handler(args) });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    performed: (method) => calls.filter((call) => call.method === method && call.status === 200),
    messages: (channel) => messages.filter((message) => message.channel === channel),
    botReplies: (channel, threadTs) =>
      messages.filter((message) => message.channel === channel && message.thread_ts === threadTs && message.ts !== threadTs && message.user === FAKE_BOT_USER),
    addMessage: (message) => {
      clock = Math.max(clock, Math.floor(Number(message.ts ?? 0)));
      const added = { ...message, ts: message.ts ?? nextTs() };
      messages.push(added);
      messages.sort((a, b) => Number(a.ts) - Number(b.ts));
      return added;
    },
    setUser: (id, name) => void users.set(id, name),
    rateLimitNext: (method, count, retryAfterS) => void rateLimits.set(method, { count, retryAfterS }),
    rateLimitStorm: ({ methods, share, forMs, retryAfterS }) => void (storm = { methods, share, until: Date.now() + forMs, retryAfterS, owed: 0 }),
    failNext: (method, error) => void failures.set(method, error),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The WebClient sends forms whose nested values are JSON strings; JSON bodies are taken as is. */
function parseBody(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) args[key] = value;
  return args;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), ...headers });
  response.end(json);
}
