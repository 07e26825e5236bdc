// Streaming without Slack's native streaming: post the first piece, then update the message
// with the text so far at most once per UPDATE_INTERVAL_MS, adding messages past the limit.
import { UPDATE_INTERVAL_MS } from '../limits.js';
import { MessageParts, type ReplyTarget } from './message-parts.js';

/** `initial` is text already taken from `pieces` (e.g. by a refused native stream). */
export async function streamByUpdates(target: ReplyTarget, pieces: AsyncIterator<string>, initial = ''): Promise<MessageParts> {
  const parts = new MessageParts(target);
  let text = initial;
  let shown = '';
  let lastSync = 0;
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> = Promise.resolve();
  let failure: unknown;

  const sync = () => {
    timer = undefined;
    syncing = syncing.then(async () => {
      if (text === shown || failure) return;
      const snapshot = text;
      lastSync = Date.now();
      await parts.sync(snapshot).catch((error: unknown) => (failure = error));
      shown = snapshot;
    });
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(sync, Math.max(0, lastSync + UPDATE_INTERVAL_MS - Date.now()));
  };

  try {
    if (text !== '') schedule();
    for (let piece = await pieces.next(); !piece.done; piece = await pieces.next()) {
      text += piece.value;
      if (failure) break;
      schedule();
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  sync();
  await syncing;
  if (failure) throw failure;
  return parts;
}
