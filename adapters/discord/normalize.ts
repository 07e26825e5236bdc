// Discord messages into the shared model: where a message belongs (ThreadRef), who wrote it,
// and its text with user, role and channel mentions rendered as readable names.
import { ChannelType, type Channel, type Message, type User } from 'discord.js';
import type { Author, ChatMessage, MessageKind, ThreadRef } from '../../src/model.js';

/** Workspace id for direct messages, which belong to no guild. */
export const DM_WORKSPACE = 'dm';

export interface NameContext {
  botUserId: string;
  botName: string;
}

export function authorOf(user: User, displayName?: string | null): Author {
  return { id: user.id, name: displayName ?? user.globalName ?? user.username, isBot: user.bot };
}

/** `<@id>`, `<@!id>`, `<@&id>` and `<#id>` as `@name` and `#name`; the bot itself as `@botName`. */
export function renderMentions(message: Message, names: NameContext): string {
  const guild = message.guild;
  return message.content
    .replace(/<@!?(\d+)>/g, (_, id: string) => {
      if (id === names.botUserId) return `@${names.botName}`;
      const member = message.mentions.members?.get(id) ?? guild?.members.cache.get(id);
      const user = message.mentions.users.get(id) ?? message.client.users.cache.get(id);
      return `@${member?.displayName ?? user?.globalName ?? user?.username ?? 'unknown-user'}`;
    })
    .replace(/<@&(\d+)>/g, (_, id: string) => `@${message.mentions.roles.get(id)?.name ?? guild?.roles.cache.get(id)?.name ?? 'unknown-role'}`)
    .replace(/<#(\d+)>/g, (_, id: string) => {
      const channel = message.mentions.channels.get(id) ?? message.client.channels.cache.get(id);
      return `#${channel && 'name' in channel && channel.name ? channel.name : 'unknown-channel'}`;
    });
}

export function isDirect(channel: Channel): boolean {
  return channel.type === ChannelType.DM || channel.type === ChannelType.GroupDM;
}

/**
 * The conversation a message belongs to: a DM channel is one conversation; a thread channel is
 * one; a top-level channel message roots its own (its thread, if started, gets the same id).
 */
export function threadOfMessage(message: Message): ThreadRef {
  const channel = message.channel;
  if (isDirect(channel)) return { platform: 'discord', workspaceId: DM_WORKSPACE, channelId: channel.id, threadId: channel.id };
  const workspaceId = message.guildId ?? DM_WORKSPACE;
  if (channel.isThread()) return { platform: 'discord', workspaceId, channelId: channel.parentId ?? channel.id, threadId: channel.id };
  return { platform: 'discord', workspaceId, channelId: channel.id, threadId: message.id };
}

export function toChatMessage(message: Message, kind: MessageKind, names: NameContext, thread = threadOfMessage(message)): ChatMessage {
  return {
    id: message.id,
    thread,
    author: authorOf(message.author, message.member?.displayName),
    text: renderMentions(message, names),
    kind,
    receivedAt: message.createdAt,
  };
}
