// A ChatSurface that records everything the bot does to it, the way a user would see it:
// each reply (a streamed body is consumed and its chunks kept), each edit, each channel post
// and each "thinking" indicator. Tests wait for replies instead of sleeping.
import { sameChannel, threadKey, type ChannelRef, type ChatMessage, type ChatSurface, type OwnPost, type Platform, type PostedMessage, type ReplyBody, type ThreadRef } from '../../src/model.js';

export interface RecordedReply {
  id: string;
  thread: ThreadRef;
  /** Whether the bot passed a stream (true) or a whole string (false). */
  streamed: boolean;
  /** The pieces as they arrived; a string body is one chunk. */
  chunks: string[];
  /** The posted text: the chunks joined. */
  text: string;
  /** Texts this reply was edited to, in order. */
  edits: string[];
  /** The text a user sees now: the last edit, or the posted text. */
  shown: string;
  /** False while a streamed body is still being consumed. */
  complete: boolean;
}

export interface RecordedChannelPost {
  id: string;
  channel: ChannelRef;
  text: string;
  at: Date;
}

export interface RecordedThinking {
  thread: ThreadRef;
  cleared: boolean;
}

export interface RecordingSurfaceOptions {
  platform?: Platform;
  /** Messages `readHistory` answers from. */
  history?: ChatMessage[];
}

const DEFAULT_WAIT_MS = 10_000;

export class RecordingSurface implements ChatSurface {
  readonly platform: Platform;
  readonly replies: RecordedReply[] = [];
  readonly channelPosts: RecordedChannelPost[] = [];
  readonly thinking: RecordedThinking[] = [];
  /** Every edit call, including ones for message ids this surface never posted. */
  readonly editCalls: { message: PostedMessage; text: string }[] = [];
  readonly history: ChatMessage[];
  private sequence = 0;
  private waiters: (() => void)[] = [];

  constructor(options: RecordingSurfaceOptions = {}) {
    this.platform = options.platform ?? 'slack';
    this.history = options.history ?? [];
  }

  async reply(thread: ThreadRef, body: ReplyBody): Promise<PostedMessage> {
    const reply: RecordedReply = {
      id: `reply-${++this.sequence}`,
      thread,
      streamed: typeof body !== 'string',
      chunks: [],
      text: '',
      edits: [],
      shown: '',
      complete: false,
    };
    this.replies.push(reply);
    const add = (chunk: string) => {
      reply.chunks.push(chunk);
      reply.text += chunk;
      reply.shown = reply.text;
    };
    try {
      if (typeof body === 'string') add(body);
      else for await (const chunk of body) add(chunk);
    } finally {
      reply.complete = true;
      this.changed();
    }
    return { thread, id: reply.id };
  }

  async edit(message: PostedMessage, text: string): Promise<void> {
    this.editCalls.push({ message, text });
    const reply = this.replies.find((candidate) => candidate.id === message.id);
    if (reply) {
      reply.edits.push(text);
      reply.shown = text;
    }
    this.changed();
  }

  async showThinking(thread: ThreadRef): Promise<() => Promise<void>> {
    const record: RecordedThinking = { thread, cleared: false };
    this.thinking.push(record);
    return async () => {
      record.cleared = true;
    };
  }

  async postToChannel(channel: ChannelRef, text: string): Promise<PostedMessage> {
    const id = `post-${++this.sequence}`;
    this.channelPosts.push({ id, channel, text, at: new Date() });
    this.changed();
    return { thread: { ...channel, threadId: id }, id };
  }

  async readHistory(channel: ChannelRef, since: Date): Promise<ChatMessage[]> {
    return this.history
      .filter((message) => sameChannel(message.thread, channel) && message.receivedAt >= since)
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  async readOwnPosts(channel: ChannelRef, since: Date): Promise<OwnPost[]> {
    return this.channelPosts.filter((post) => sameChannel(post.channel, channel) && post.at >= since).map(({ id, text }) => ({ id, text }));
  }

  /** Replies posted in `thread`, in posting order. */
  repliesIn(thread: ThreadRef): RecordedReply[] {
    const key = threadKey(thread);
    return this.replies.filter((reply) => threadKey(reply.thread) === key);
  }

  /** Resolves with the first `count` replies once they are all complete; rejects after `timeoutMs`. */
  waitForReplies(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedReply[]> {
    return this.waitFor(
      () => {
        const first = this.replies.slice(0, count);
        return first.length === count && first.every((reply) => reply.complete) ? first : undefined;
      },
      timeoutMs,
      () => `${count} complete replies (have ${this.replies.filter((reply) => reply.complete).length})`,
    );
  }

  /** Resolves once `count` channel posts were made. */
  waitForChannelPosts(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedChannelPost[]> {
    return this.waitFor(
      () => (this.channelPosts.length >= count ? this.channelPosts.slice(0, count) : undefined),
      timeoutMs,
      () => `${count} channel posts (have ${this.channelPosts.length})`,
    );
  }

  private waitFor<T>(ready: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = ready();
        if (value === undefined) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== onChange);
        resolve(value);
        return true;
      };
      const onChange = () => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== onChange);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(onChange);
    });
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
