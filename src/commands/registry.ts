// One command registry shared by every adapter: adapters pass a name and its arguments.
import { ask } from './ask.js';
import { usageLines, type Command } from './command.js';
import { help } from './help.js';
import { kb } from './kb.js';

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();

  constructor(
    /** `/<botName> <command> <args>` also works (Slack apps often have one slash command). */
    private readonly botName: string,
    commands: Command[] = [ask, kb, help],
  ) {
    for (const command of commands) this.register(command);
  }

  register(command: Command): void {
    if (this.commands.has(command.name)) throw new Error(`Command /${command.name} is registered twice`);
    this.commands.set(command.name, command);
  }

  /** Swaps in another implementation of a registered command (the app's jobs queue `/kb add`). */
  replace(command: Command): void {
    if (!this.commands.has(command.name)) throw new Error(`Command /${command.name} is not registered`);
    this.commands.set(command.name, command);
  }

  list(): readonly Command[] {
    return [...this.commands.values()];
  }

  /** The command to run for `/name args`, or undefined when there is none. */
  resolve(name: string, args: string): { command: Command; args: string } | undefined {
    const normalized = name.replace(/^\//, '').toLowerCase();
    if (normalized === this.botName.toLowerCase()) {
      const [, sub = 'help', rest = ''] = /^(\S*)\s*([\s\S]*)$/.exec(args.trim()) ?? [];
      return this.resolve(sub || 'help', rest);
    }
    const command = this.commands.get(normalized);
    return command && { command, args: args.trim() };
  }

  usageLine(): string {
    return `Commands: ${this.list().flatMap(usageLines).join(', ')}`;
  }
}
