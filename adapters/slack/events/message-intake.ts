// A Slack message after the ack: normalize it, remember who asked, give the bot the thread's
// earlier messages when it is mentioned into a thread it was not part of, then hand it over.
import type { webApi } from '@slack/bolt';
import type { Bot } from '../../../src/bot.js';
import type { Logger } from '../../../src/logger.js';
import type { ChatMessage, ChatSurface, ThreadRef } from '../../../src/model.js';
import type { TranscriptStore } from '../../../src/stores/ports.js';
import { THREAD_BACKFILL_LIMIT } from '../limits.js';
import type { ThreadMemory } from '../thread-memory.js';
import { callSlack } from '../web-api/calls.js';
import type { AuthFor } from '../workspace-auth.js';
import { normalizeMessage, threadOf, type SlackMessage } from './normalize.js';
import type { UserNames } from './user-names.js';

export interface IntakeDeps {
  bot: Bot;
  surface: ChatSurface;
  client: webApi.WebClient;
  authFor: AuthFor;
  memory: ThreadMemory;
  names: UserNames;
  transcripts: TranscriptStore;
  logger: Logger;
}

/** How far back the transcript is checked for the bot's part in a thread. */
const PARTICIPATION_WINDOW = 200;

export class MessageIntake {
  constructor(private readonly deps: IntakeDeps) {}

  async take(event: SlackMessage, workspaceId: string, botUserId: string | undefined, extra: { assistant?: boolean } = {}): Promise<ChatMessage | undefined> {
    const channelId = event.channel;
    if (!channelId) return undefined;
    const message = await normalizeMessage(event, {
      workspaceId,
      channelId,
      botUserId,
      nameOf: this.deps.names.for(workspaceId),
      inBotThread: (thread, raw) => this.botIsIn(thread, raw, botUserId),
      ...(extra.assistant ? { kind: 'dm' as const } : {}),
    });
    if (!message) return undefined;
    if (message.kind !== 'ambient') {
      this.deps.memory.note(message.thread, {
        recipient: { userId: message.author.id, teamId: event.team ?? workspaceId },
        lastAskTs: message.id,
        ...(extra.assistant ? { assistant: true } : {}),
      });
    }
    const isReply = message.thread.threadId !== message.id;
    if (message.kind === 'mention' && isReply && !(await this.botIsIn(message.thread, event, botUserId))) {
      await this.backfill(message, botUserId);
    }
    await this.deps.bot.handle(message, this.deps.surface);
    return message;
  }

  /** The bot replied in the thread, started it, or was asked there before. */
  private async botIsIn(thread: ThreadRef, event: SlackMessage, botUserId: string | undefined): Promise<boolean> {
    if (this.deps.memory.get(thread).botReplied) return true;
    if (botUserId && event.parent_user_id === botUserId) return true;
    const entries = await this.deps.transcripts.thread(thread, PARTICIPATION_WINDOW);
    return entries.some((entry) => entry.direction === 'outbound' || (entry.kind !== 'ambient' && entry.id !== event.ts));
  }

  /**
   * Records the thread's earlier messages as ambient before the mention, so the graph's
   * read_thread tool sees the conversation the bot was pulled into. Already recorded ones are
   * dropped by the bot's dedupe.
   */
  private async backfill(mention: ChatMessage, botUserId: string | undefined): Promise<void> {
    const { client, authFor, logger } = this.deps;
    const { workspaceId, channelId, threadId } = mention.thread;
    try {
      const { token } = await authFor(workspaceId);
      const replies = await callSlack(
        'conversations.replies',
        'idempotent',
        () => client.conversations.replies({ token, channel: channelId, ts: threadId, limit: THREAD_BACKFILL_LIMIT }),
        logger,
      );
      const earlier = ((replies.messages ?? []) as SlackMessage[]).filter((message) => Number(message.ts) < Number(mention.id));
      for (const message of earlier) {
        const ambient = await normalizeMessage(message, {
          workspaceId,
          channelId,
          botUserId,
          nameOf: this.deps.names.for(workspaceId),
          inBotThread: async () => false,
          kind: 'ambient',
        });
        if (ambient && threadOf(message, workspaceId, channelId).threadId === threadId) await this.deps.bot.handle(ambient, this.deps.surface);
      }
    } catch (error) {
      // The answer can do without the earlier messages; it must not be lost for want of them.
      logger.warn({ err: error, thread: threadId }, 'could not read the thread the bot was mentioned in');
    }
  }
}
