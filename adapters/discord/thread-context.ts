// When the bot joins a conversation late (mentioned in an existing thread, or in a reply to
// another message), the earlier messages are handed to the bot first as ambient messages, so
// they are in the thread's transcript for the read_thread tool.
import type { AnyThreadChannel, Message } from 'discord.js';
import type { ChatMessage, ThreadRef } from '../../src/model.js';
import type { DiscordContext } from './context.js';
import { CONTEXT_MESSAGES } from './limits.js';
import { toChatMessage } from './normalize.js';

/** Earlier messages of `thread` (its starter message first), oldest first. */
export async function earlierInThread(context: DiscordContext, channel: AnyThreadChannel, before: Message, ref: ThreadRef): Promise<ChatMessage[]> {
  const starter = await channel.fetchStarterMessage().catch(() => null);
  const page = await channel.messages.fetch({ limit: CONTEXT_MESSAGES, before: before.id });
  const messages = [...page.values()].sort((a, b) => a.createdTimestamp - b.createdTimestamp);
  if (starter) messages.unshift(starter);
  return messages.map((message) => toChatMessage(message, 'ambient', context.names(), ref));
}

/**
 * The message `message` replies to, copied into `ref`'s conversation. It keeps a derived id:
 * under its own id it may already be recorded as chatter where it was posted.
 */
export async function repliedTo(context: DiscordContext, message: Message, ref: ThreadRef): Promise<ChatMessage[]> {
  if (!message.reference?.messageId) return [];
  const original = await message.fetchReference().catch(() => null);
  if (!original) return [];
  const copy = toChatMessage(original, 'ambient', context.names(), ref);
  return [{ ...copy, id: `${original.id}.in.${ref.threadId}` }];
}
