import { usageLines, type Command } from './command.js';

export const help: Command = {
  name: 'help',
  usage: [],
  summary: 'list the commands',
  async run({ commands, reply }) {
    const lines = commands.flatMap((command) => usageLines(command).map((line) => `${line}  ${command.summary}`));
    await reply(`Mention me in a channel or thread to ask anything. Commands:\n${lines.join('\n')}`);
  },
};
