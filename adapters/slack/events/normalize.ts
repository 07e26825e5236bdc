// One Slack message (from a `message` or an `app_mention` event, or a history read) → one
// ChatMessage. Both events for the same post give the same id (the `ts`) and the same thread,
// so the bot's dedupe answers it once.
import type { ChatMessage, MessageKind, ThreadRef } from '../../../src/model.js';
import { stringFieldProblem } from './payload-fields.js';
import { mentionsUser, slackToPlain, type NameOf } from './slack-text.js';

/** The fields of a Slack message the adapter reads (events and history share them). */
export interface SlackMessage {
  type?: string;
  subtype?: string;
  channel?: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  parent_user_id?: string;
  team?: string;
}

/** Why an event cannot be read as a SlackMessage, or undefined when it can. */
export function messageProblem(event: Record<string, unknown>): string | undefined {
  return stringFieldProblem(event, ['ts', 'channel'], ['type', 'subtype', 'channel_type', 'user', 'bot_id', 'text', 'thread_ts', 'parent_user_id', 'team']);
}

/** Subtypes that are people posting; edits, deletes, joins and the like are not answered. */
const POSTED_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);

export interface NormalizeContext {
  workspaceId: string;
  channelId: string;
  botUserId: string | undefined;
  nameOf: NameOf;
  /** Whether the bot takes part in `thread` (asked only for replies without a mention). */
  inBotThread(thread: ThreadRef, message: SlackMessage): Promise<boolean>;
  /** Forces the kind, e.g. `ambient` for earlier thread messages read as context. */
  kind?: MessageKind;
}

export function isPersonPosting(message: SlackMessage): boolean {
  return POSTED_SUBTYPES.has(message.subtype) && !message.bot_id && Boolean(message.user);
}

export function isDirectMessage(message: SlackMessage, channelId: string): boolean {
  return message.channel_type === 'im' || channelId.startsWith('D');
}

export function threadOf(message: SlackMessage, workspaceId: string, channelId: string): ThreadRef {
  return { platform: 'slack', workspaceId, channelId, threadId: message.thread_ts ?? message.ts };
}

/** Undefined for messages the bot neither answers nor records (its own, other bots', edits). */
export async function normalizeMessage(message: SlackMessage, context: NormalizeContext): Promise<ChatMessage | undefined> {
  if (!isPersonPosting(message)) return undefined;
  const thread = threadOf(message, context.workspaceId, context.channelId);
  const raw = message.text ?? '';
  const kind = context.kind ?? (await kindOf(message, raw, thread, context));
  const user = message.user!;
  return {
    id: message.ts,
    thread,
    author: { id: user, name: await context.nameOf(user), isBot: false },
    text: await slackToPlain(raw, context.nameOf),
    kind,
    receivedAt: new Date(Math.round(Number(message.ts) * 1000)),
  };
}

async function kindOf(message: SlackMessage, raw: string, thread: ThreadRef, context: NormalizeContext): Promise<MessageKind> {
  if (context.botUserId && mentionsUser(raw, context.botUserId)) return 'mention';
  if (isDirectMessage(message, context.channelId)) return 'dm';
  if (message.type === 'app_mention') return 'mention';
  const isReply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  if (isReply && (await context.inBotThread(thread, message))) return 'thread_reply';
  return 'ambient';
}
