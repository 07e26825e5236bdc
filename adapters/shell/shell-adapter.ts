// The terminal as a chat channel: `you` in workspace `local`, channel `general`. Works
// interactively and piped (answers every line, then exits once replies are done).
import readline from 'node:readline';
import type { Bot } from '../../src/bot.js';
import type { ChannelRef, ChatMessage, ChatSurface, PostedMessage, ReplyBody, ThreadRef } from '../../src/model.js';
import type { TranscriptStore } from '../../src/stores/ports.js';
import { parseLine } from './parse-line.js';

export interface ShellOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  botName: string;
  transcripts: TranscriptStore;
}

export class ShellAdapter implements ChatSurface {
  readonly platform = 'shell' as const;
  private readonly interactive: boolean;
  private readonly runId = Date.now().toString(36);
  private sequence = 0;
  private currentThread: ThreadRef | undefined;
  private readonly threadNumbers = new Map<string, number>();
  /** Replies print one at a time, so two threads answering at once never interleave. */
  private printing: Promise<void> = Promise.resolve();
  private prompt: readline.Interface | undefined;

  constructor(private readonly options: ShellOptions) {
    this.interactive = Boolean(options.output.isTTY);
  }

  /** Reads lines until the input ends (or /quit), then waits for every pending reply. */
  async run(bot: Bot): Promise<void> {
    const lines = readline.createInterface({ input: this.options.input, terminal: this.interactive });
    if (this.interactive) {
      this.write(`Crosstalk shell: mention @${this.options.botName} to ask, /help for commands, /new for a new thread, /quit to leave.\n`);
      lines.setPrompt('you › ');
      lines.prompt();
      this.prompt = lines;
    }
    for await (const line of lines) {
      const input = parseLine(line, {
        botName: this.options.botName,
        currentThread: this.currentThread,
        nextId: () => `${this.runId}.${++this.sequence}`,
        now: new Date(),
      });
      if (input.type === 'quit') break;
      if (input.type === 'new-thread') {
        this.currentThread = undefined;
        this.write('(new thread: mention the bot to start it)\n');
      } else if (input.type === 'message') {
        if (this.entersThread(input.message)) this.enterThread(input.message.thread);
        await bot.handle(input.message, this);
      }
      if (this.interactive) lines.prompt();
    }
    this.prompt = undefined;
    lines.close();
    await bot.idle();
    await this.printing;
  }

  async reply(thread: ThreadRef, body: ReplyBody): Promise<PostedMessage> {
    const id = `${this.runId}.r${++this.sequence}`;
    await this.print(async () => {
      this.write(`${this.speaker(thread)} › `);
      if (typeof body === 'string') {
        this.write(body);
      } else if (this.interactive) {
        for await (const piece of body) this.write(piece);
      } else {
        let text = '';
        for await (const piece of body) text += piece;
        this.write(text);
      }
      this.write('\n\n');
    });
    return { thread, id };
  }

  async edit(message: PostedMessage, text: string): Promise<void> {
    await this.print(async () => this.write(`${this.speaker(message.thread)} (edited) › ${text}\n\n`));
  }

  async showThinking(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async postToChannel(channel: ChannelRef, text: string): Promise<PostedMessage> {
    const id = `${this.runId}.p${++this.sequence}`;
    await this.print(async () => this.write(`${this.options.botName} in #${channel.channelId} › ${text}\n\n`));
    return { thread: { ...channel, threadId: id }, id };
  }

  async readHistory(channel: ChannelRef, since: Date): Promise<ChatMessage[]> {
    const entries = await this.options.transcripts.channelSince(channel, since);
    return entries
      .filter((entry) => entry.direction === 'inbound')
      .map((entry) => ({
        id: entry.id,
        thread: entry.thread,
        author: entry.author,
        text: entry.text,
        kind: entry.kind === 'reply' ? 'ambient' : entry.kind,
        receivedAt: entry.at,
      }));
  }

  /** A mention, a follow-up or /ask puts the user in that thread; other commands do not. */
  private entersThread(message: ChatMessage): boolean {
    if (message.kind === 'ambient') return false;
    return message.kind !== 'command' || message.command?.name === 'ask';
  }

  private enterThread(thread: ThreadRef): void {
    this.currentThread = thread;
    if (!this.threadNumbers.has(thread.threadId)) this.threadNumbers.set(thread.threadId, this.threadNumbers.size + 1);
  }

  /** `crosstalk`, or `crosstalk [thread 2]` once the user has been in more than one thread. */
  private speaker(thread: ThreadRef): string {
    const number = this.threadNumbers.get(thread.threadId);
    return number && number > 1 ? `${this.options.botName} [thread ${number}]` : this.options.botName;
  }

  private print(work: () => Promise<void>): Promise<void> {
    const turn = this.printing.then(async () => {
      // On a terminal, the reply takes the prompt's line and the prompt comes back under it.
      if (this.prompt) this.write('\r\x1b[K');
      await work();
      this.prompt?.prompt(true);
    });
    this.printing = turn.catch(() => {});
    return turn;
  }

  private write(text: string): void {
    this.options.output.write(text);
  }
}
