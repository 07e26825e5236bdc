// A reply as Slack shows it: one or more messages in a thread, each under the text limit.
// `sync` makes the posted messages show a given text: updates parts whose text changed, posts
// parts that are new, and deletes parts no longer needed.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../../src/logger.js';
import { markdownToMrkdwn } from '../format/mrkdwn.js';
import { splitMessage } from '../format/split.js';
import { MESSAGE_TEXT_CHARS } from '../limits.js';
import { callSlack } from '../web-api/calls.js';

export interface ReplyTarget {
  client: webApi.WebClient;
  token: string;
  channel: string;
  /** Undefined for a top-level post. */
  threadTs: string | undefined;
  log: Logger;
}

export interface PostedPart {
  ts: string;
  text: string;
}

export class MessageParts {
  constructor(
    private readonly target: ReplyTarget,
    readonly parts: PostedPart[] = [],
  ) {}

  /** The ts of the first message: the reply's id. */
  get firstTs(): string | undefined {
    return this.parts[0]?.ts;
  }

  /** Makes the thread show `markdown` (converted to mrkdwn and split under the limit). */
  async sync(markdown: string): Promise<void> {
    const wanted = splitMessage(markdownToMrkdwn(markdown), MESSAGE_TEXT_CHARS);
    if (wanted.length === 0) wanted.push('…');
    const { client, token, channel, log } = this.target;
    for (const [index, text] of wanted.entries()) {
      const part = this.parts[index];
      if (part && part.text === text) continue;
      if (part) {
        await callSlack('chat.update', 'idempotent', () => client.chat.update({ token, channel, ts: part.ts, text }), log);
        part.text = text;
      } else {
        const posted = await this.post(text);
        this.parts.push({ ts: posted, text });
      }
    }
    for (const extra of this.parts.splice(wanted.length)) {
      await callSlack('chat.delete', 'idempotent', () => client.chat.delete({ token, channel, ts: extra.ts }), log).catch((error: unknown) =>
        log.warn({ err: error, ts: extra.ts }, 'could not delete a reply part that is no longer needed'),
      );
    }
  }

  private async post(text: string): Promise<string> {
    const { client, token, channel, threadTs, log } = this.target;
    const result = await callSlack(
      'chat.postMessage',
      'post',
      () => client.chat.postMessage({ token, channel, text, ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false }),
      log,
    );
    if (!result.ts) throw new Error('chat.postMessage answered without a ts');
    return result.ts;
  }
}
