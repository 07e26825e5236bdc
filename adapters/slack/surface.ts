// The bot's view of Slack: replies in threads (native streaming when the recipient is known,
// else post-and-update), edits, the thinking indicator, channel posts and history.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/logger.js';
import type { ChannelRef, ChatMessage, ChatSurface, OwnPost, PostedMessage, ReplyBody, ThreadRef } from '../../src/model.js';
import { normalizeMessage, type SlackMessage } from './events/normalize.js';
import type { NameOf } from './events/slack-text.js';
import { HISTORY_PAGE_SIZE, THINKING_REACTION, THINKING_STATUS } from './limits.js';
import { MessageParts, type PostedPart, type ReplyTarget } from './stream/message-parts.js';
import { NativeStreamRefused, streamNatively } from './stream/native-stream.js';
import { streamByUpdates } from './stream/post-and-update.js';
import type { ThreadMemory } from './thread-memory.js';
import { callSlack } from './web-api/calls.js';
import type { AuthFor } from './workspace-auth.js';

export interface SlackSurfaceOptions {
  client: webApi.WebClient;
  authFor: AuthFor;
  memory: ThreadMemory;
  nameOf: (workspaceId: string) => NameOf;
  logger: Logger;
  /** Use chat.startStream when the recipient is known (default true). */
  nativeStreaming?: boolean;
}

/** Replies remembered for later edits: reply id → its parts. */
const MAX_REMEMBERED_REPLIES = 2_000;

export class SlackSurface implements ChatSurface {
  readonly platform = 'slack' as const;
  private readonly log: Logger;
  private readonly replies = new Map<string, { target: ReplyTarget; parts: PostedPart[] }>();
  /** Workspaces where chat.startStream was refused (e.g. the app lacks the feature). */
  private readonly noNativeStreaming = new Set<string>();

  constructor(private readonly options: SlackSurfaceOptions) {
    this.log = options.logger.child({ component: 'slack-surface' });
  }

  async reply(thread: ThreadRef, body: ReplyBody): Promise<PostedMessage> {
    const target = await this.target(thread, thread.threadId);
    this.options.memory.note(thread, { botReplied: true });
    let parts: MessageParts;
    if (typeof body === 'string') {
      parts = new MessageParts(target);
      await parts.sync(body);
    } else {
      parts = await this.stream(thread, target, body[Symbol.asyncIterator]());
    }
    return this.remember(thread, target, parts);
  }

  async edit(message: PostedMessage, text: string): Promise<void> {
    const known = this.replies.get(message.id);
    const target = known?.target ?? (await this.target(message.thread, message.thread.threadId));
    const parts = new MessageParts(target, known?.parts ?? [{ ts: message.id, text: '' }]);
    await parts.sync(text);
  }

  async showThinking(thread: ThreadRef): Promise<() => Promise<void>> {
    const facts = this.options.memory.get(thread);
    const { client, token, channel, log } = await this.target(thread, thread.threadId);
    if (facts.assistant) {
      const setStatus = (status: string) =>
        callSlack('assistant.threads.setStatus', 'idempotent', () => client.assistant.threads.setStatus({ token, channel_id: channel, thread_ts: thread.threadId, status }), log);
      await setStatus(THINKING_STATUS);
      return async () => void (await setStatus(''));
    }
    const timestamp = facts.lastAskTs;
    if (!timestamp) return async () => {};
    const name = THINKING_REACTION;
    await callSlack('reactions.add', 'idempotent', () => client.reactions.add({ token, channel, timestamp, name }), log).catch((error: unknown) => {
      if ((error as { data?: { error?: string } }).data?.error !== 'already_reacted') throw error;
    });
    return async () => {
      await callSlack('reactions.remove', 'idempotent', () => client.reactions.remove({ token, channel, timestamp, name }), log).catch(() => {});
    };
  }

  async postToChannel(channel: ChannelRef, text: string): Promise<PostedMessage> {
    const target = await this.target(channel, undefined);
    const parts = new MessageParts(target);
    await parts.sync(text);
    const thread = { ...channel, threadId: parts.firstTs! };
    this.options.memory.note(thread, { botReplied: true });
    return this.remember(thread, target, parts);
  }

  async readHistory(channel: ChannelRef, since: Date): Promise<ChatMessage[]> {
    const { found, botUserId } = await this.history(channel, since);
    const nameOf = this.options.nameOf(channel.workspaceId);
    const messages = await Promise.all(
      found.map((message) =>
        normalizeMessage(message, {
          workspaceId: channel.workspaceId,
          channelId: channel.channelId,
          botUserId,
          nameOf,
          inBotThread: async () => false,
          kind: 'ambient',
        }),
      ),
    );
    return messages.filter((message) => message !== undefined);
  }

  async readOwnPosts(channel: ChannelRef, since: Date): Promise<OwnPost[]> {
    const { found, botUserId } = await this.history(channel, since);
    return found
      .filter((message) => botUserId !== undefined && message.user === botUserId)
      .filter((message) => !message.thread_ts || message.thread_ts === message.ts)
      .map((message) => ({ id: message.ts, text: message.text ?? '' }));
  }

  /** The channel's top-level messages at or after `since`, oldest first. */
  private async history(channel: ChannelRef, since: Date): Promise<{ found: SlackMessage[]; botUserId: string | undefined }> {
    const { client, token, log } = await this.target(channel, undefined);
    const { botUserId } = await this.options.authFor(channel.workspaceId);
    const found: SlackMessage[] = [];
    let cursor: string | undefined;
    do {
      const page = await callSlack(
        'conversations.history',
        'idempotent',
        () => client.conversations.history({ token, channel: channel.channelId, oldest: (since.getTime() / 1000).toFixed(6), inclusive: true, limit: HISTORY_PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
        log,
      );
      found.push(...((page.messages ?? []) as SlackMessage[]));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    // Slack pages newest first.
    return { found: found.reverse(), botUserId };
  }

  private async stream(thread: ThreadRef, target: ReplyTarget, pieces: AsyncIterator<string>): Promise<MessageParts> {
    const { recipient } = this.options.memory.get(thread);
    const native = this.options.nativeStreaming !== false && recipient && !this.noNativeStreaming.has(thread.workspaceId);
    if (!native) return streamByUpdates(target, pieces);
    try {
      return await streamNatively(target, recipient, pieces);
    } catch (error) {
      if (!(error instanceof NativeStreamRefused)) throw error;
      this.log.warn({ slackError: error.slackError, workspace: thread.workspaceId }, 'native streaming refused; posting and updating instead');
      this.noNativeStreaming.add(thread.workspaceId);
      return streamByUpdates(target, pieces, error.unsent);
    }
  }

  private async target(channel: ChannelRef, threadTs: string | undefined): Promise<ReplyTarget> {
    const { token } = await this.options.authFor(channel.workspaceId);
    return { client: this.options.client, token, channel: channel.channelId, threadTs, log: this.log };
  }

  private remember(thread: ThreadRef, target: ReplyTarget, parts: MessageParts): PostedMessage {
    const id = parts.firstTs;
    if (!id) throw new Error('The reply was empty: nothing was posted');
    this.replies.set(id, { target, parts: parts.parts });
    if (this.replies.size > MAX_REMEMBERED_REPLIES) this.replies.delete(this.replies.keys().next().value!);
    return { thread, id };
  }
}
