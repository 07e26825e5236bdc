import type { Command } from './command.js';

export const ask: Command = {
  name: 'ask',
  usage: ['<question>'],
  summary: 'ask a question; the answer starts a thread',
  async run({ args, reply, ask: askQuestion }) {
    if (!args) return reply('Usage: /ask <question>, e.g. /ask what is our deploy process?');
    await askQuestion(args);
  },
};
