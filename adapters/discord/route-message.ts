// Decides what a Discord message is to the bot and hands it over: a DM or a mention to answer,
// a follow-up in a thread the bot is in, or chatter to record. Live events and messages
// fetched after a reconnect both come through here; the bot's dedupe keeps it to one reply.
import { MessageType, type Message } from 'discord.js';
import type { ChatMessage } from '../../src/model.js';
import type { DiscordContext } from './context.js';
import { THREAD_AUTO_ARCHIVE_MINUTES, THREAD_NAME_MAX_CHARS } from './limits.js';
import { isDirect, threadOfMessage, toChatMessage } from './normalize.js';
import { earlierInThread, repliedTo } from './thread-context.js';

/** Error code Discord answers when the message already has a thread (whose id is the message's). */
const THREAD_ALREADY_CREATED = 160004;

export async function routeMessage(context: DiscordContext, message: Message): Promise<void> {
  const { client, activity } = context;
  const botUserId = client.user?.id;
  if (!botUserId || message.author.id === botUserId || message.author.bot) return;
  if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return;

  const channel = message.channel;
  activity.seen(channel.id, message.id);
  const mentioned = message.mentions.users.has(botUserId);
  const handle = (chat: ChatMessage) => context.bot.handle(chat, context.surface);

  if (isDirect(channel)) {
    activity.join(channel.id, message.id);
    return handle(toChatMessage(message, 'dm', context.names()));
  }

  if (channel.isThread()) {
    const ref = threadOfMessage(message);
    const member = activity.isIn(channel.id) || channel.ownerId === botUserId;
    if (!member && !mentioned) return handle(toChatMessage(message, 'ambient', context.names(), ref));
    if (!member || message.reference) {
      for (const earlier of await earlierInThread(context, channel, message, ref)) await handle(earlier);
    }
    activity.join(channel.id, message.id);
    return handle(toChatMessage(message, mentioned ? 'mention' : 'thread_reply', context.names(), ref));
  }

  const ref = threadOfMessage(message);
  if (!mentioned) return handle(toChatMessage(message, 'ambient', context.names(), ref));
  await startThread(context, message);
  for (const earlier of await repliedTo(context, message, ref)) await handle(earlier);
  activity.join(message.id, message.id);
  return handle(toChatMessage(message, 'mention', context.names(), ref));
}

/** A mention in a channel is answered in a thread on that message (the thread's id is the message's). */
async function startThread(context: DiscordContext, message: Message): Promise<void> {
  const text = message.cleanContent.replace(/\s+/g, ' ').trim();
  const name = (text || `Question from ${message.author.username}`).slice(0, THREAD_NAME_MAX_CHARS);
  try {
    await message.startThread({ name, autoArchiveDuration: THREAD_AUTO_ARCHIVE_MINUTES });
  } catch (error) {
    if ((error as { code?: unknown }).code === THREAD_ALREADY_CREATED) return;
    // Without thread permissions the answer goes to the channel instead (the surface falls back).
    context.log.warn({ err: error, channel: message.channelId }, 'could not start a thread; answering in the channel');
  }
}
