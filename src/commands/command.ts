import type { ChatMessage } from '../model.js';
import type { KnowledgeStore } from '../stores/ports.js';

export interface CommandContext {
  message: ChatMessage;
  /** Everything after the command name, trimmed. */
  args: string;
  knowledge: KnowledgeStore;
  /** Every registered command, for help. */
  commands: readonly Command[];
  /** Replies in the message's thread. */
  reply(text: string): Promise<void>;
  /** Runs an assistant turn for `question` in the message's thread. */
  ask(question: string): Promise<void>;
}

/** What a slash command is called and takes: enough to register it with a platform. */
export interface CommandSpec {
  name: string;
  /** Argument synopsis lines, e.g. `add <text>`. */
  usage: string[];
  summary: string;
}

/** One slash command, the same on every adapter. */
export interface Command extends CommandSpec {
  run(context: CommandContext): Promise<void>;
}

export function usageLines(command: CommandSpec): string[] {
  return command.usage.length > 0 ? command.usage.map((usage) => `/${command.name} ${usage}`) : [`/${command.name}`];
}
