import { createHash } from 'node:crypto';
import { chunkDocument } from '../knowledge/chunk.js';
import type { Command } from './command.js';

const SEARCH_RESULTS = 5;
const SNIPPET_CHARS = 200;
const TITLE_CHARS = 60;

export const kb: Command = {
  name: 'kb',
  usage: ['add <text>', 'search <query>'],
  summary: "add to or search this workspace's knowledge",
  async run({ args, message, knowledge, reply }) {
    const [, sub = '', rest = ''] = /^(\S*)\s*([\s\S]*)$/.exec(args) ?? [];
    const workspaceId = message.thread.workspaceId;
    const text = rest.trim();

    if (sub === 'add' && text) {
      const firstLine = text.split('\n')[0]!.slice(0, TITLE_CHARS);
      const source = {
        id: `note:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
        title: `Note from ${message.author.name}: ${firstLine}${firstLine.length < text.length ? '…' : ''}`,
      };
      const chunks = chunkDocument(text);
      await knowledge.replaceSource(workspaceId, source, chunks);
      return reply(`Added to workspace knowledge as "${source.title}" (${chunks.length} passage${chunks.length === 1 ? '' : 's'}).`);
    }
    if (sub === 'search' && text) {
      const passages = await knowledge.search(workspaceId, text, SEARCH_RESULTS);
      if (passages.length === 0) return reply(`Nothing in workspace knowledge matches "${text}".`);
      const lines = passages.map((passage, index) => {
        const where = passage.source.url ?? passage.source.id;
        const snippet = passage.text.replace(/\s+/g, ' ').slice(0, SNIPPET_CHARS);
        return `[${index + 1}] ${passage.source.title} (${where}): ${snippet}${passage.text.length > SNIPPET_CHARS ? '…' : ''}`;
      });
      return reply(lines.join('\n'));
    }
    return reply('Usage: /kb add <text> | /kb search <query>');
  },
};
