// Slack's native streaming (chat.startStream / appendStream / stopStream): the answer appears
// as it is written. Needs the recipient (user and team) outside DMs. Pieces are gathered for
// STREAM_APPEND_INTERVAL_MS per call; a message that reaches STREAM_MESSAGE_CHARS is stopped and
// the answer continues in a new one.
import { breakPoint } from '../format/split.js';
import { STREAM_APPEND_CHARS, STREAM_APPEND_INTERVAL_MS, STREAM_MESSAGE_CHARS } from '../limits.js';
import { callSlack, slackErrorCode } from '../web-api/calls.js';
import { MessageParts, type ReplyTarget } from './message-parts.js';

export interface Recipient {
  userId: string;
  teamId: string;
}

/** chat.startStream refused (nothing was posted): the caller streams another way. */
export class NativeStreamRefused extends Error {
  override name = 'NativeStreamRefused';
  constructor(
    readonly slackError: string,
    /** Text taken from the body but not shown. */
    readonly unsent: string,
  ) {
    super(`chat.startStream failed with ${slackError}`);
  }
}

export async function streamNatively(target: ReplyTarget, recipient: Recipient, pieces: AsyncIterator<string>): Promise<MessageParts> {
  const { client, token, channel, threadTs, log } = target;
  const parts = new MessageParts(target);
  let current: { ts: string; chars: number } | undefined;
  let pending = '';

  const send = async (markdown: string) => {
    if (!current) {
      const started = await callSlack(
        'chat.startStream',
        'post',
        () =>
          client.chat.startStream({
            token,
            channel,
            thread_ts: threadTs!,
            recipient_user_id: recipient.userId,
            recipient_team_id: recipient.teamId,
            markdown_text: markdown,
          }),
        log,
      ).catch((error: unknown) => {
        const code = slackErrorCode(error);
        if (code && parts.parts.length === 0) throw new NativeStreamRefused(code, markdown);
        throw error;
      });
      if (!started.ts) throw new Error('chat.startStream answered without a ts');
      current = { ts: started.ts, chars: markdown.length };
      // The streamed text is markdown, not our mrkdwn: an edit rewrites the part in full.
      parts.parts.push({ ts: started.ts, text: '' });
    } else {
      const { ts } = current;
      await callSlack('chat.appendStream', 'post', () => client.chat.appendStream({ token, channel, ts, markdown_text: markdown }), log);
      current.chars += markdown.length;
    }
  };
  const stop = async () => {
    if (!current) return;
    const { ts } = current;
    current = undefined;
    await callSlack('chat.stopStream', 'idempotent', () => client.chat.stopStream({ token, channel, ts }), log).catch((error: unknown) => {
      // A retried stop that had landed the first time.
      if (slackErrorCode(error) !== 'message_not_in_streaming_state') throw error;
    });
  };
  const drain = async () => {
    while (pending !== '') {
      const room = STREAM_MESSAGE_CHARS - (current?.chars ?? 0);
      const budget = Math.min(room, STREAM_APPEND_CHARS);
      if (pending.length <= budget) {
        const all = pending;
        pending = '';
        await send(all);
        return;
      }
      const { cut, skip } = breakPoint(pending, budget);
      const head = pending.slice(0, cut);
      pending = pending.slice(cut + skip);
      if (head !== '') await send(head);
      if (room <= STREAM_APPEND_CHARS) await stop();
    }
  };

  let lastSend = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  let failure: unknown;
  const flush = () => {
    timer = undefined;
    sending = sending.then(async () => {
      if (failure) return;
      lastSend = Date.now();
      await drain().catch((error: unknown) => (failure = error));
    });
  };
  try {
    for (let piece = await pieces.next(); !piece.done; piece = await pieces.next()) {
      pending += piece.value;
      if (failure) break;
      timer ??= setTimeout(flush, Math.max(0, lastSend + STREAM_APPEND_INTERVAL_MS - Date.now()));
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (!failure) flush();
  await sending;
  if (failure instanceof NativeStreamRefused) throw new NativeStreamRefused(failure.slackError, failure.unsent + pending);
  if (failure) throw failure;
  await stop();
  return parts;
}
