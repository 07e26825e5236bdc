// A local server speaking the OpenAI Chat Completions wire format, so tests and benchmarks can
// drive the real `ChatOpenAI` client (via `configuration: { baseURL: fake.url }`) offline.

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCompletion {
  content?: string;
  toolCalls?: { name: string; args: Record<string, unknown> }[];
}

export interface RecordedRequest {
  // The request body is whatever the client sent; tests poke at it freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  stream: boolean;
  /** `Date.now()` when the request arrived. */
  at: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FakeHandler = (body: any) => FakeCompletion | Promise<FakeCompletion>;

export interface FakeOpenAI {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Every chat completion request, in arrival order, including ones answered by `failNext`. */
  requests: RecordedRequest[];
  /** Replaces the handler that turns a request body into a completion. */
  respond(handler: FakeHandler): void;
  /** The next `count` (default 1) chat completion requests get `status` and an OpenAI-shaped error. */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  handler?: FakeHandler;
  /** Characters of content (and of tool-call arguments) per streamed chunk; default 8. */
  chunkSize?: number;
  /** Pause between streamed chunks; default 0. */
  chunkDelayMs?: number;
}

const MODEL_ID = 'test-model';

interface MessageLike {
  role?: unknown;
  content?: unknown;
}

/** String content, or the text parts of array content. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

function messagesOf(body: unknown): MessageLike[] {
  if (body && typeof body === 'object' && 'messages' in body && Array.isArray(body.messages)) {
    return body.messages as MessageLike[];
  }
  return [];
}

export const echoLastUserMessage: FakeHandler = (body) => {
  const lastUser = messagesOf(body).findLast((m) => m.role === 'user');
  return { content: `fake answer to: ${textOf(lastUser?.content)}` };
};

/** Rough OpenAI-like estimate: one token per four characters. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function splitEvery(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type = errorType(status)): void {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ToolCallWire {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const chunkSize = Math.max(1, options.chunkSize ?? 8);
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  let handler: FakeHandler = options.handler ?? echoLastUserMessage;
  const requests: RecordedRequest[] = [];
  const pendingFailures: number[] = [];
  let nextId = 0;

  async function chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      sendError(res, 400, `Request body is not valid JSON: ${(err as Error).message}`, 'invalid_request_error');
      return;
    }
    const request = (body ?? {}) as Record<string, unknown>;
    const stream = request.stream === true;
    requests.push({ body, stream, at: Date.now() });

    const failure = pendingFailures.shift();
    if (failure !== undefined) {
      sendError(res, failure, `Fake failure with status ${failure} (set by failNext).`);
      return;
    }

    let completion: FakeCompletion;
    try {
      completion = await handler(body);
    } catch (err) {
      sendError(res, 500, `The fake's handler threw: ${(err as Error).message}`);
      return;
    }

    const id = `chatcmpl-fake-${++nextId}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof request.model === 'string' ? request.model : MODEL_ID;
    const content = completion.content ?? '';
    const toolCalls: ToolCallWire[] = (completion.toolCalls ?? []).map((call, i) => ({
      id: `call_fake_${nextId}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
    const promptTokens = estimateTokens(messagesOf(body).map((m) => textOf(m.content)).join(''));
    const completionTokens = estimateTokens(content + toolCalls.map((c) => c.function.arguments).join(''));
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };

    if (!stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: toolCalls.length > 0 && content === '' ? null : content,
              refusal: null,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      return;
    }

    const streamOptions = request.stream_options as { include_usage?: unknown } | undefined;
    const includeUsage = streamOptions?.include_usage === true;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });

    // OpenAI sends `usage: null` on every chunk but the last when usage is requested.
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    });
    const delta = (d: Record<string, unknown>, finish: string | null = null) =>
      chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

    let first = true;
    const send = async (payload: unknown): Promise<boolean> => {
      if (res.destroyed) return false;
      if (!first && chunkDelayMs > 0) await sleep(chunkDelayMs);
      first = false;
      if (res.destroyed) return false;
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
      return true;
    };

    const events: unknown[] = [delta({ role: 'assistant', content: '' })];
    for (const piece of splitEvery(content, chunkSize)) events.push(delta({ content: piece }));
    toolCalls.forEach((call, index) => {
      events.push(
        delta({
          tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
        }),
      );
      for (const piece of splitEvery(call.function.arguments, chunkSize)) {
        events.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    events.push(delta({}, finishReason));
    if (includeUsage) events.push(chunk([], { usage }));

    for (const event of events) {
      if (!(await send(event))) return;
    }
    if (!res.destroyed) res.end('data: [DONE]\n\n');
  }

  async function listModels(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendJson(res, 200, {
      object: 'list',
      data: [{ id: MODEL_ID, object: 'model', created: 0, owned_by: 'fake-openai' }],
    });
  }

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    'POST /v1/chat/completions': chatCompletions,
    'GET /v1/models': listModels,
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      sendError(res, 404, `The fake OpenAI server has no route ${req.method} ${path}.`, 'invalid_request_error');
      return;
    }
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `The fake OpenAI server failed: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    respond(next) {
      handler = next;
    },
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) pendingFailures.push(status);
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The client keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
