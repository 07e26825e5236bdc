// `/kb` with `add` queued as a job, so a long note or a URL never holds up the turn; `search`
// stays the shared command's.
import type { Command } from '../src/commands/command.js';
import { kb } from '../src/commands/kb.js';
import type { Scheduler } from './scheduler.js';

export function createQueuedKbCommand(scheduler: Scheduler): Command {
  return {
    ...kb,
    usage: ['add <text or URL>', 'search <query>'],
    async run(context) {
      const [, sub = '', rest = ''] = /^(\S*)\s*([\s\S]*)$/.exec(context.args) ?? [];
      const text = rest.trim();
      if (sub !== 'add' || !text) return kb.run(context);
      // The acknowledgement goes first: the job may finish before a slow platform shows it.
      await context.reply(`Adding that to workspace knowledge; I will say here when it is in.`);
      await scheduler.requestIngest({ thread: context.message.thread, author: context.message.author.name, text });
    },
  };
}
