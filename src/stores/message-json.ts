import type { ChatMessage } from '../model.js';

/** ChatMessage as stored by queues: JSON with `receivedAt` as an ISO string. */
export function messageToJson(message: ChatMessage): string {
  return JSON.stringify(message);
}

export function messageFromJson(json: string): ChatMessage {
  const parsed = JSON.parse(json) as ChatMessage & { receivedAt: string };
  return { ...parsed, receivedAt: new Date(parsed.receivedAt) };
}
