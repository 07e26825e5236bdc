// One line typed in the shell, read the way a channel would see it.
import type { ChatMessage, ThreadRef } from '../../src/model.js';

export const SHELL_USER = { id: 'you', name: 'you', isBot: false } as const;
export const SHELL_CHANNEL = { platform: 'shell', workspaceId: 'local', channelId: 'general' } as const;

export type ShellInput =
  | { type: 'message'; message: ChatMessage }
  | { type: 'new-thread' }
  | { type: 'quit' }
  | { type: 'blank' };

export interface LineContext {
  botName: string;
  /** The thread the user is in, if the bot has been brought into one. */
  currentThread: ThreadRef | undefined;
  /** A fresh message id. */
  nextId: () => string;
  now: Date;
}

export function parseLine(line: string, context: LineContext): ShellInput {
  const text = line.trim();
  if (text === '') return { type: 'blank' };
  if (text === '/new') return { type: 'new-thread' };
  if (text === '/quit' || text === '/exit') return { type: 'quit' };

  const id = context.nextId();
  const startThread = (): ThreadRef => context.currentThread ?? { ...SHELL_CHANNEL, threadId: id };
  const base = { id, author: { ...SHELL_USER }, text, receivedAt: context.now };

  const command = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
  if (command) {
    const [, name = '', args = ''] = command;
    return { type: 'message', message: { ...base, thread: startThread(), kind: 'command', command: { name, args } } };
  }
  const mentionsBot = new RegExp(`(^|\\s)@${context.botName}\\b`, 'i').test(text);
  if (mentionsBot) return { type: 'message', message: { ...base, thread: startThread(), kind: 'mention' } };
  if (context.currentThread) {
    return { type: 'message', message: { ...base, thread: context.currentThread, kind: 'thread_reply' } };
  }
  return { type: 'message', message: { ...base, thread: { ...SHELL_CHANNEL, threadId: id }, kind: 'ambient' } };
}
