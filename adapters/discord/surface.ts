// The ChatSurface the bot talks to on Discord. A reply goes to the conversation's channel (the
// thread or DM), except the first reply to a slash command, which completes its deferred
// response (and continues in follow-ups) while the interaction token is alive.
import type { Channel, ChatInputCommandInteraction, Client, Message, SendableChannels } from 'discord.js';
import type { ChannelRef, ChatMessage, ChatSurface, OwnPost, PostedMessage, ReplyBody, ThreadRef } from '../../src/model.js';
import { threadKey } from '../../src/model.js';
import { HISTORY_PAGE_SIZE, INTERACTION_TOKEN_MARGIN_MS, INTERACTION_TOKEN_MS, TYPING_RENEW_MS } from './limits.js';
import { DM_WORKSPACE, threadOfMessage, toChatMessage, type NameContext } from './normalize.js';
import { ReplyWriter, type ReplyTarget } from './reply-writer.js';
import { splitMessage } from './split.js';

/** Replies are editable (the bot edits the streamed text into the final answer) while remembered. */
const REMEMBERED_REPLIES = 1000;
/** Replies never ping anyone: an answer quoting "@everyone" must not notify the server. */
const NO_PINGS = { parse: [] } as const;

export class DiscordSurface implements ChatSurface {
  readonly platform = 'discord' as const;
  private readonly writers = new Map<string, ReplyWriter>();
  private readonly interactions = new Map<string, ChatInputCommandInteraction>();

  constructor(
    private readonly client: Client,
    private readonly names: () => NameContext,
  ) {}

  /** The next reply in `thread` completes this deferred interaction. */
  expectInteraction(thread: ThreadRef, interaction: ChatInputCommandInteraction): void {
    this.interactions.set(threadKey(thread), interaction);
  }

  async reply(thread: ThreadRef, body: ReplyBody): Promise<PostedMessage> {
    const writer = new ReplyWriter(await this.targetFor(thread));
    if (typeof body === 'string') await writer.show(body);
    else await writer.stream(body);
    const id = writer.ids[0]!;
    this.remember(id, writer);
    return { thread, id };
  }

  async edit(message: PostedMessage, text: string): Promise<void> {
    const writer = this.writers.get(message.id);
    if (writer) return writer.show(text);
    // A message posted before a restart: its other parts are unknown, so it shows what fits.
    const channel = await this.channelFor(message.thread);
    await channel.messages.edit(message.id, { content: splitMessage(text)[0]!, allowedMentions: NO_PINGS });
  }

  async showThinking(thread: ThreadRef): Promise<() => Promise<void>> {
    // A deferred interaction already shows "is thinking…".
    if (this.liveInteraction(thread)) return async () => {};
    const channel = await this.channelFor(thread);
    await channel.sendTyping();
    const timer = setInterval(() => void channel.sendTyping().catch(() => {}), TYPING_RENEW_MS);
    return async () => clearInterval(timer);
  }

  async postToChannel(channel: ChannelRef, text: string): Promise<PostedMessage> {
    const target = await this.sendable(channel.workspaceId, channel.channelId);
    const writer = new ReplyWriter(channelTarget(target));
    await writer.show(text);
    const id = writer.ids[0]!;
    this.remember(id, writer);
    return { thread: { ...channel, threadId: id }, id };
  }

  async readHistory(channel: ChannelRef, since: Date): Promise<ChatMessage[]> {
    return (await this.history(channel, since)).map((message) =>
      toChatMessage(message, 'ambient', this.names(), threadOfMessage(message)),
    );
  }

  async readOwnPosts(channel: ChannelRef, since: Date): Promise<OwnPost[]> {
    const self = this.client.user?.id;
    return (await this.history(channel, since))
      .filter((message) => message.author.id === self)
      .map((message) => ({ id: message.id, text: message.content }));
  }

  /** The channel's messages at or after `since`, oldest first. */
  private async history(channel: ChannelRef, since: Date): Promise<Message[]> {
    const target = await this.sendable(channel.workspaceId, channel.channelId);
    const found: Message[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await target.messages.fetch({ limit: HISTORY_PAGE_SIZE, ...(before ? { before } : {}) });
      const fresh = [...page.values()].filter((message) => message.createdAt >= since);
      found.push(...fresh);
      if (page.size < HISTORY_PAGE_SIZE || fresh.length < page.size) break;
      before = page.last()?.id;
    }
    // Snowflakes order messages exactly; timestamps tie for messages in the same millisecond.
    return found.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** The channel a conversation's messages go to: its thread or DM channel, else the channel it is in. */
  async channelFor(thread: ThreadRef): Promise<SendableChannels & { messages: ChannelMessages }> {
    const own = await this.fetchChannel(thread.workspaceId, thread.threadId).catch(() => null);
    if (own?.isSendable()) return own as SendableChannels & { messages: ChannelMessages };
    return this.sendable(thread.workspaceId, thread.channelId);
  }

  private async targetFor(thread: ThreadRef): Promise<ReplyTarget> {
    const interaction = this.liveInteraction(thread);
    if (interaction) {
      this.interactions.delete(threadKey(thread));
      return interactionTarget(interaction);
    }
    return channelTarget(await this.channelFor(thread));
  }

  private liveInteraction(thread: ThreadRef): ChatInputCommandInteraction | undefined {
    const interaction = this.interactions.get(threadKey(thread));
    if (!interaction) return undefined;
    if (Date.now() - interaction.createdTimestamp < INTERACTION_TOKEN_MS - INTERACTION_TOKEN_MARGIN_MS) return interaction;
    this.interactions.delete(threadKey(thread));
    return undefined;
  }

  private async sendable(workspaceId: string, channelId: string): Promise<SendableChannels & { messages: ChannelMessages }> {
    const channel = await this.fetchChannel(workspaceId, channelId);
    if (!channel?.isSendable() || !('messages' in channel)) throw new Error(`Discord channel ${channelId} cannot take messages`);
    return channel as SendableChannels & { messages: ChannelMessages };
  }

  /**
   * discord.js returns no channel of a guild it does not know, and a guild on another process's
   * shard is one (its events go there). Jobs and resumed turns run in any process, so fetch the
   * guild over REST, which serves every guild, and then the channel.
   */
  private async fetchChannel(workspaceId: string, channelId: string): Promise<Channel | null> {
    const channel = await this.client.channels.fetch(channelId);
    if (channel || workspaceId === DM_WORKSPACE) return channel;
    await this.client.guilds.fetch(workspaceId);
    return this.client.channels.fetch(channelId);
  }

  private remember(id: string, writer: ReplyWriter): void {
    this.writers.set(id, writer);
    if (this.writers.size > REMEMBERED_REPLIES) this.writers.delete(this.writers.keys().next().value!);
  }
}

type ChannelMessages = Extract<SendableChannels, { messages: unknown }>['messages'];

function channelTarget(channel: SendableChannels & { messages: ChannelMessages }): ReplyTarget {
  return {
    async post(text) {
      return (await channel.send({ content: text, allowedMentions: NO_PINGS })).id;
    },
    async edit(id, text) {
      await channel.messages.edit(id, { content: text, allowedMentions: NO_PINGS });
    },
    async remove(id) {
      await channel.messages.delete(id);
    },
  };
}

/** The deferred response first, then follow-ups: all edited through the interaction's webhook. */
function interactionTarget(interaction: ChatInputCommandInteraction): ReplyTarget {
  let answered = false;
  return {
    async post(text) {
      if (!answered) {
        answered = true;
        return (await interaction.editReply({ content: text, allowedMentions: NO_PINGS })).id;
      }
      return (await interaction.followUp({ content: text, allowedMentions: NO_PINGS })).id;
    },
    async edit(id, text) {
      await interaction.editReply({ message: id, content: text, allowedMentions: NO_PINGS });
    },
    async remove(id) {
      await interaction.deleteReply(id);
    },
  };
}
