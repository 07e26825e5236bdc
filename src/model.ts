// The shared message model: the only vocabulary between adapters, the bot, graphs and jobs.

export const PLATFORMS = ['slack', 'discord', 'shell'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** A channel in a workspace (Slack team, Discord guild, or the shell's `local`). */
export interface ChannelRef {
  platform: Platform;
  workspaceId: string;
  channelId: string;
}

/** A conversation: `threadId` is the id of the root message (or the Discord thread channel). */
export interface ThreadRef extends ChannelRef {
  threadId: string;
}

export interface Author {
  id: string;
  name: string;
  isBot: boolean;
}

/**
 * Why the bot sees a message. `ambient` is channel chatter the bot records (for digests and
 * thread context) but does not answer.
 */
export type MessageKind = 'mention' | 'dm' | 'thread_reply' | 'command' | 'ambient';

export interface ChatMessage {
  /** Unique within its workspace on its platform (Slack `ts`, Discord snowflake). */
  id: string;
  thread: ThreadRef;
  author: Author;
  /** Plain text; mentions already rendered as `@name`. */
  text: string;
  kind: MessageKind;
  command?: { name: string; args: string };
  receivedAt: Date;
}

export type ReplyBody = string | AsyncIterable<string>;

/** A message the bot posted, enough to edit it later. */
export interface PostedMessage {
  thread: ThreadRef;
  id: string;
}

/** What an adapter offers the bot. */
export interface ChatSurface {
  readonly platform: Platform;
  /** Post a reply in the thread; a stream is shown as it arrives where the platform allows. */
  reply(thread: ThreadRef, body: ReplyBody): Promise<PostedMessage>;
  edit(message: PostedMessage, text: string): Promise<void>;
  /** Show that the bot is working; the returned function clears it. */
  showThinking(thread: ThreadRef): Promise<() => Promise<void>>;
  /** Post a top-level message (digests). */
  postToChannel(channel: ChannelRef, text: string): Promise<PostedMessage>;
  /** Channel messages at or after `since`, oldest first. */
  readHistory(channel: ChannelRef, since: Date): Promise<ChatMessage[]>;
  /**
   * The bot's own top-level posts in the channel at or after `since`. Optional: a digest whose
   * scheduler died mid-post asks it before posting again; without it the digest is skipped.
   */
  readOwnPosts?(channel: ChannelRef, since: Date): Promise<OwnPost[]>;
}

export interface OwnPost {
  id: string;
  text: string;
}

// Thread keys escape only `%` and `:`, so keys stay readable and every id round-trips,
// lone surrogates included (encodeURIComponent would throw on those).
const escapePart = (part: string) => part.replaceAll('%', '%25').replaceAll(':', '%3A');
const unescapePart = (part: string) => part.replace(/%(25|3A)/g, (code) => (code === '%25' ? '%' : ':'));

export function channelKey(ref: ChannelRef): string {
  return [ref.platform, ref.workspaceId, ref.channelId].map(escapePart).join(':');
}

/** `platform:workspace:channel:thread`: the LangGraph thread_id, the lock key and the transcript key. */
export function threadKey(ref: ThreadRef): string {
  return `${channelKey(ref)}:${escapePart(ref.threadId)}`;
}

export function parseThreadKey(key: string): ThreadRef {
  const parts = key.split(':');
  if (parts.length !== 4) throw new Error(`Not a thread key (want platform:workspace:channel:thread): ${key}`);
  const [platform, workspaceId, channelId, threadId] = parts.map(unescapePart) as [string, string, string, string];
  if (!isPlatform(platform)) throw new Error(`Unknown platform "${platform}" in thread key ${key}`);
  return { platform, workspaceId, channelId, threadId };
}

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

export function sameChannel(a: ChannelRef, b: ChannelRef): boolean {
  return a.platform === b.platform && a.workspaceId === b.workspaceId && a.channelId === b.channelId;
}
