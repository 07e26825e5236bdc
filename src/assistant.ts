// The port between the bot pipeline and whatever answers a turn (graphs/assistant).
import type { ChatMessage, ThreadRef } from './model.js';

export interface TurnRun {
  /** The answer's text as it is generated; never throws (a failed turn just ends it). */
  text: AsyncIterable<string>;
  /** The final answer, sources included; rejects if the turn failed. */
  answer: Promise<string>;
  /** Settles once the thread's state is saved (after the answer). */
  done: Promise<void>;
}

export interface TurnOptions {
  /** The bot's id for this turn, for logs and traces (graph run metadata `turn_id`). */
  turnId?: string;
}

export interface Assistant {
  /** Answers `messages`, the new messages of `thread` since its last turn. */
  startTurn(thread: ThreadRef, messages: ChatMessage[], options?: TurnOptions): TurnRun;
}
