// The shell adapter as the bot's surface, with its output thrown away, and shell messages
// built the way adapters/shell/parse-line.ts builds them, so benchmarks drive the real pipeline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { ShellAdapter } from '../adapters/shell/shell-adapter.js';
import { SHELL_CHANNEL, SHELL_USER } from '../adapters/shell/parse-line.js';
import type { ChatMessage } from '../src/model.js';
import type { TranscriptStore } from '../src/stores/ports.js';

export function tempDataDir(label: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `crosstalk-bench-${label}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A ShellAdapter used only as a ChatSurface: nothing reads its input, its output is discarded. */
export function discardingShell(botName: string, transcripts: TranscriptStore): ShellAdapter {
  const output = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new ShellAdapter({ input: new PassThrough(), output, botName, transcripts });
}

let sequence = 0;

/** A mention that starts a thread of its own (the thread id is the message id, as in Slack). */
export function mentionInNewThread(botName: string, question: string): ChatMessage {
  const id = `bench.${++sequence}`;
  return shellMessage(id, id, `@${botName} ${question}`, 'mention');
}

/** A follow-up in an existing thread the bot is in, answered without a mention. */
export function followUp(threadId: string, question: string): ChatMessage {
  return shellMessage(`bench.${++sequence}`, threadId, question, 'thread_reply');
}

function shellMessage(id: string, threadId: string, text: string, kind: ChatMessage['kind']): ChatMessage {
  return { id, thread: { ...SHELL_CHANNEL, threadId }, author: { ...SHELL_USER }, text, kind, receivedAt: new Date() };
}
