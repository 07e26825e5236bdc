// The bot pipeline (DESIGN.md section 1): dedupe, record, one turn at a time per thread,
// streamed reply, record the answer.
import type { Assistant } from './assistant.js';
import type { CommandRegistry } from './commands/registry.js';
import type { Logger } from './logger.js';
import type { Metrics } from './observability/metrics.js';
import { newTurnId, runInTurn } from './observability/turn-context.js';
import { cleanText, withoutMention } from './message-text.js';
import { channelKey, parseThreadKey, threadKey, type ChatMessage, type ChatSurface, type Platform, type ThreadRef } from './model.js';
import type { Stores, TranscriptEntry } from './stores/ports.js';
import { describeTurnFailure } from './turn-failure.js';
import { TurnSlots } from './turn-slots.js';

export interface BotDeps {
  stores: Stores;
  assistant: Assistant;
  commands: CommandRegistry;
  logger: Logger;
  botName: string;
  /** Prometheus metrics (GET /metrics); none in tests that do not look. */
  metrics?: Metrics;
  /** Turns this process runs at once (default 32); see TurnSlots. */
  maxConcurrentTurns?: number;
}

/** How a turn ended, for the turn latency histogram. */
type TurnOutcome = 'answered' | 'failed' | 'undelivered';

/** Platforms retry for minutes; a claim outlives every retry window. */
const DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * On Redis a crashed holder's thread lock blocks its thread this long (embedded locks free a dead
 * process's at once). Renewed every 10 s: a live holder loses it only if renewals fail for 20 s.
 */
const LOCK_TTL_MS = 30_000;
const LOCK_RENEW_MS = 10_000;
/** How often a thread waiting at start-up retries a lock someone else holds. */
const RESUME_RETRY_MS = 5_000;
/** Messages waiting in a thread are answered together, at most this many in one turn. */
const MAX_BATCH = 20;
const DEFAULT_CONCURRENT_TURNS = 32;

export class Bot {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: Logger;
  private readonly slots: TurnSlots;

  constructor(private readonly deps: BotDeps) {
    this.log = deps.logger.child({ component: 'bot' });
    this.slots = new TurnSlots(deps.maxConcurrentTurns ?? DEFAULT_CONCURRENT_TURNS);
  }

  /**
   * Takes one inbound message: resolves once it is recorded and queued; the answer follows in
   * the background (see `idle`). Never throws: failures are logged and answered with an apology.
   */
  handle(message: ChatMessage, surface: ChatSurface): Promise<void> {
    return this.track(this.process(message, surface));
  }

  /** Resolves once every message taken so far has been answered. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Answers messages that were waiting when the process last stopped. */
  async resumePending(surfaceFor: (platform: Platform) => ChatSurface | undefined): Promise<void> {
    for (const key of await this.deps.stores.inbox.pendingThreads()) {
      const surface = surfaceFor(parseThreadKey(key).platform);
      if (surface) this.resume(key, surface);
    }
  }

  /**
   * Drains a thread found waiting at start-up. Its lock may still be held: by a live replica,
   * which answers the messages itself, or by a process that was killed mid-turn, whose lease
   * lapses within LOCK_TTL_MS (at once on the embedded store) and nobody else would ever come
   * back for them. So it tries again until it runs the turns or the inbox is empty. The wait is
   * not tracked: `idle` and shutdown do not wait for it.
   */
  private resume(key: string, surface: ChatSurface): void {
    void this.track(
      this.drain(key, surface).then(async (ran) => {
        if (ran || (await this.deps.stores.inbox.peek(key, 1)).length === 0) return;
        setTimeout(() => this.resume(key, surface), RESUME_RETRY_MS).unref();
      }),
    );
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: unknown) => this.log.error({ err: error }, 'unexpected failure in the bot pipeline'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return tracked;
  }

  private async process(raw: ChatMessage, surface: ChatSurface): Promise<void> {
    const message = { ...raw, text: cleanText(raw.text) };
    const log = this.log.child({ thread: threadKey(message.thread), messageId: message.id, kind: message.kind });
    const metrics = this.deps.metrics;
    metrics?.eventsReceived.inc({ platform: message.thread.platform, kind: message.kind });
    if (message.author.isBot) return log.debug('ignored a message from a bot');

    const { stores } = this.deps;
    let claimed: boolean;
    try {
      claimed = await stores.dedupe.claim(`${channelKey(message.thread)}:${message.id}`, DEDUPE_TTL_MS);
    } catch (error) {
      // Without the claim store we cannot tell a retry from a first delivery: keep the message
      // (transcripts ignore a second copy) and ask the person to try again, rather than risk two replies.
      metrics?.storeErrors.inc({ store: 'dedupe' });
      log.error({ err: error }, 'could not claim a message');
      await this.record(inboundEntry(message));
      if (message.kind !== 'ambient') await this.replyQuietly(surface, message.thread, describeTurnFailure(error));
      return;
    }
    if (!claimed) {
      metrics?.duplicatesDropped.inc({ platform: message.thread.platform });
      return log.debug('ignored a message already taken');
    }
    try {
      await stores.transcripts.append(inboundEntry(message));
    } catch (error) {
      metrics?.storeErrors.inc({ store: 'transcripts' });
      log.error({ err: error }, 'could not record an inbound message');
      return this.replyQuietly(surface, message.thread, describeTurnFailure(error));
    }

    if (message.kind === 'ambient') return;
    if (message.kind === 'command') return void this.track(this.runCommand(message, surface));
    if (withoutMention(message.text, this.deps.botName) === '') {
      return void this.track(this.say(
        surface,
        message.thread,
        `Hi! Ask me anything, e.g. "@${this.deps.botName} what is our deploy process?", or use /help for commands.`,
      ));
    }
    try {
      await this.enqueue(message, surface);
    } catch (error) {
      metrics?.storeErrors.inc({ store: 'inbox' });
      log.error({ err: error }, 'could not queue a message for its turn');
      await this.replyQuietly(surface, message.thread, describeTurnFailure(error));
    }
  }

  private async runCommand(message: ChatMessage, surface: ChatSurface): Promise<void> {
    const { commands, stores } = this.deps;
    const name = message.command?.name ?? '';
    const resolved = commands.resolve(name, message.command?.args ?? '');
    if (!resolved) {
      return this.say(surface, message.thread, `Unknown command /${name}. ${commands.usageLine()}`);
    }
    try {
      await resolved.command.run({
        message,
        args: resolved.args,
        knowledge: stores.knowledge,
        commands: commands.list(),
        reply: (text) => this.say(surface, message.thread, text),
        ask: (question) => this.enqueue({ ...message, kind: 'mention', text: question }, surface),
      });
    } catch (error) {
      this.log.error({ err: error, command: name }, 'command failed');
      await this.replyQuietly(surface, message.thread, describeTurnFailure(error));
    }
  }

  /** Hands the message to its thread's next turn, and runs turns unless someone else is. */
  private async enqueue(message: ChatMessage, surface: ChatSurface): Promise<void> {
    const key = threadKey(message.thread);
    await this.deps.stores.inbox.push(key, message);
    void this.track(this.drain(key, surface).then(() => {}));
  }

  /**
   * Runs turns while the thread has waiting messages and this process holds its lock. A message
   * pushed while another holder runs is picked up by that holder: it checks the inbox again
   * after releasing the lock. Resolves false when another holder had the lock from the start.
   */
  private async drain(key: string, surface: ChatSurface): Promise<boolean> {
    const { locks, inbox } = this.deps.stores;
    for (let round = 0; ; round++) {
      const lease = await locks.acquire(key, LOCK_TTL_MS);
      if (!lease) return round > 0;
      const renewal = setInterval(() => {
        lease.renew(LOCK_TTL_MS).catch((error: unknown) => this.log.warn({ err: error, thread: key }, 'lock renewal failed'));
      }, LOCK_RENEW_MS);
      try {
        for (;;) {
          const batch = await inbox.peek(key, MAX_BATCH);
          if (batch.length === 0) break;
          await this.slots.run(() => this.runTurn(batch, surface));
          await inbox.ack(key, batch.map((message) => message.id));
        }
      } finally {
        clearInterval(renewal);
        await lease.release();
      }
      if ((await inbox.peek(key, 1)).length === 0) return true;
    }
  }

  /** One turn under its own id: every log line it causes, in any layer, carries `turn`. */
  private runTurn(batch: ChatMessage[], surface: ChatSurface): Promise<void> {
    const thread = batch[0]!.thread;
    const scope = { turnId: newTurnId(), thread: threadKey(thread) };
    const metrics = this.deps.metrics;
    const started = performance.now();
    metrics?.activeTurns.inc();
    return runInTurn(scope, async () => {
      let outcome: TurnOutcome = 'undelivered';
      try {
        outcome = await this.answerTurn(batch, surface, scope.turnId);
      } finally {
        metrics?.activeTurns.dec();
        metrics?.turnDuration.observe({ platform: thread.platform, outcome }, (performance.now() - started) / 1000);
      }
    });
  }

  private async answerTurn(batch: ChatMessage[], surface: ChatSurface, turnId: string): Promise<TurnOutcome> {
    const thread = batch[0]!.thread;
    const log = this.log.child({ thread: threadKey(thread), messages: batch.map((message) => message.id) });
    const stopThinking = await surface.showThinking(thread).catch(() => async () => {});
    const run = this.deps.assistant.startTurn(thread, batch, { turnId });
    let outcome: TurnOutcome = 'answered';
    try {
      const pieces = run.text[Symbol.asyncIterator]();
      const first = await pieces.next();
      let streamed = first.done ? '' : first.value;
      const rest = async function* () {
        yield streamed;
        for (let piece = await pieces.next(); !piece.done; piece = await pieces.next()) {
          streamed += piece.value;
          yield piece.value;
        }
      };
      const posted = first.done ? undefined : await surface.reply(thread, rest());
      let answer: string;
      try {
        answer = await run.answer;
        await run.done;
      } catch (error) {
        log.error({ err: error }, 'turn failed');
        answer = describeTurnFailure(error);
        outcome = 'failed';
      }
      if (!posted) {
        await this.say(surface, thread, answer);
        return outcome;
      }
      if (answer !== streamed) await surface.edit(posted, answer);
      await this.record(outboundEntry(posted.id, thread, answer, this.deps.botName));
      return outcome;
    } catch (error) {
      log.error({ err: error }, 'could not deliver the answer');
      return 'undelivered';
    } finally {
      await stopThinking().catch(() => {});
    }
  }

  /** Posts a whole reply and records it. */
  private async say(surface: ChatSurface, thread: ThreadRef, text: string): Promise<void> {
    const posted = await surface.reply(thread, text);
    await this.record(outboundEntry(posted.id, thread, text, this.deps.botName));
  }

  private async replyQuietly(surface: ChatSurface, thread: ThreadRef, text: string): Promise<void> {
    await surface.reply(thread, text).catch((error: unknown) => this.log.error({ err: error }, 'could not post a reply'));
  }

  private async record(entry: TranscriptEntry): Promise<void> {
    await this.deps.stores.transcripts
      .append(entry)
      .catch((error: unknown) => {
        this.deps.metrics?.storeErrors.inc({ store: 'transcripts' });
        this.log.error({ err: error, thread: threadKey(entry.thread) }, 'could not record a reply');
      });
  }
}

function inboundEntry(message: ChatMessage): TranscriptEntry {
  return {
    id: message.id,
    thread: message.thread,
    author: message.author,
    text: message.text,
    kind: message.kind,
    direction: 'inbound',
    at: message.receivedAt,
  };
}

function outboundEntry(id: string, thread: ThreadRef, text: string, botName: string): TranscriptEntry {
  return {
    id,
    thread,
    author: { id: botName, name: botName, isBot: true },
    text,
    kind: 'reply',
    direction: 'outbound',
    at: new Date(),
  };
}
