// The conversations the bot takes part in (threads it answers in, DM channels) and the last
// message seen in each: after a reconnect that could not resume, the messages after that one
// were never delivered and are fetched instead.

/** Beyond this many, the conversation idle the longest is forgotten. */
const MAX_TRACKED = 10_000;

function newer(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}

export class ChannelActivity {
  private readonly lastSeen = new Map<string, string>();

  /** The bot is now part of the conversation in `channelId`; `messageId` has been seen. */
  join(channelId: string, messageId: string): void {
    this.lastSeen.delete(channelId);
    this.lastSeen.set(channelId, messageId);
    if (this.lastSeen.size > MAX_TRACKED) this.lastSeen.delete(this.lastSeen.keys().next().value!);
  }

  isIn(channelId: string): boolean {
    return this.lastSeen.has(channelId);
  }

  seen(channelId: string, messageId: string): void {
    const last = this.lastSeen.get(channelId);
    if (last !== undefined && newer(messageId, last)) this.join(channelId, messageId);
  }

  /** Each tracked channel with the last message seen in it. */
  channels(): [channelId: string, lastMessageId: string][] {
    return [...this.lastSeen.entries()];
  }
}
