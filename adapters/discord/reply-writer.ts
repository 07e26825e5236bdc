// One reply as Discord shows it: one or more messages holding the split text. Streaming posts
// the first words at once, then edits as text arrives, at most one edit per message per
// STREAM_EDIT_INTERVAL_MS; text past 2000 characters continues in a new message.
import { STREAM_EDIT_INTERVAL_MS } from './limits.js';
import { splitMessage } from './split.js';

/** Where a reply's messages go: a channel, or an interaction's deferred reply and follow-ups. */
export interface ReplyTarget {
  /** Posts a message; resolves to its id. */
  post(text: string): Promise<string>;
  edit(id: string, text: string): Promise<void>;
  remove(id: string): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Discord refuses empty content. */
const EMPTY_REPLY = '…';

export class ReplyWriter {
  readonly ids: string[] = [];
  private readonly shown: string[] = [];
  private readonly lastEditAt = new Map<string, number>();
  /** Shows run one after another, so parts are never posted twice. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: ReplyTarget,
    private readonly editIntervalMs = STREAM_EDIT_INTERVAL_MS,
  ) {}

  /** Makes the reply's messages show `text`: edits parts that changed, posts new ones, removes extras. */
  show(text: string): Promise<void> {
    const run = this.queue.then(() => this.apply(text));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Consumes a stream, showing it as it grows; resolves with the whole text once shown. */
  async stream(body: AsyncIterable<string>): Promise<string> {
    let text = '';
    let flushing: Promise<void> | undefined;
    let failure: unknown;
    for await (const piece of body) {
      text += piece;
      if (failure) throw failure;
      // While a show is running, pieces just accumulate; the next show takes them all.
      flushing ??= this.show(text)
        .catch((error: unknown) => void (failure = error))
        .finally(() => (flushing = undefined));
    }
    await flushing;
    if (failure) throw failure;
    await this.show(text);
    return text;
  }

  private async apply(text: string): Promise<void> {
    const parts = splitMessage(text.trim() === '' ? EMPTY_REPLY : text);
    for (const [index, part] of parts.entries()) {
      const id = this.ids[index];
      if (id === undefined) {
        const posted = await this.target.post(part);
        this.ids.push(posted);
        this.shown.push(part);
        this.lastEditAt.set(posted, Date.now());
      } else if (this.shown[index] !== part) {
        const wait = (this.lastEditAt.get(id) ?? 0) + this.editIntervalMs - Date.now();
        if (wait > 0) await sleep(wait);
        await this.target.edit(id, part);
        this.lastEditAt.set(id, Date.now());
        this.shown[index] = part;
      }
    }
    while (this.ids.length > parts.length) {
      await this.target.remove(this.ids.pop()!);
      this.shown.pop();
    }
  }
}
