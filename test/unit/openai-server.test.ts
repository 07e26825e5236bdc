import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { AIMessageChunk } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { concat } from '@langchain/core/utils/stream';
import { z } from 'zod';
import { startFakeOpenAI } from '../fakes/openai-server.js';
import type { FakeOpenAI } from '../fakes/openai-server.js';

const getWeather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'get_weather',
  description: 'Current weather for a city',
  schema: z.object({ city: z.string(), days: z.number() }),
});

describe('fake OpenAI server driven by the real ChatOpenAI client', () => {
  let fake: FakeOpenAI;
  let model: ChatOpenAI;

  beforeEach(async () => {
    fake = await startFakeOpenAI({ chunkSize: 4 });
    model = new ChatOpenAI({
      model: 'test-model',
      apiKey: 'test-key',
      configuration: { baseURL: fake.url },
      maxRetries: 0,
    });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('given the default handler, invoke answers with the last user message', async () => {
    const reply = await model.invoke('what is the capital of France?');

    expect(reply.content).toBe('fake answer to: what is the capital of France?');
    expect(reply.usage_metadata?.total_tokens).toBeGreaterThan(0);
  });

  it('given a handler, stream yields several chunks that concatenate to its content', async () => {
    fake.respond(() => ({ content: 'The quick brown fox jumps over the lazy dog.' }));

    const pieces: string[] = [];
    for await (const chunk of await model.stream('tell me something')) {
      if (typeof chunk.content === 'string' && chunk.content !== '') pieces.push(chunk.content);
    }

    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe('The quick brown fox jumps over the lazy dog.');
    expect(fake.requests[0]?.stream).toBe(true);
  });

  describe('given a model bound to a tool and a handler that calls it', () => {
    beforeEach(() => {
      fake.respond(() => ({ toolCalls: [{ name: 'get_weather', args: { city: 'Paris', days: 3 } }] }));
    });

    it('invoke returns the tool call with parsed args', async () => {
      const reply = await model.bindTools([getWeather]).invoke('weather in Paris?');

      expect(reply.tool_calls).toHaveLength(1);
      expect(reply.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Paris', days: 3 } });
      expect(reply.tool_calls?.[0]?.id).toMatch(/^call_/);
      expect(fake.requests[0]?.body.tools[0].function.name).toBe('get_weather');
    });

    it('streamed chunks concatenate to the tool call with parsed args', async () => {
      let whole: AIMessageChunk | undefined;
      let chunks = 0;
      for await (const chunk of await model.bindTools([getWeather]).stream('weather in Paris?')) {
        whole = whole === undefined ? chunk : concat(whole, chunk);
        chunks++;
      }

      expect(chunks).toBeGreaterThan(3);
      expect(whole?.tool_calls).toHaveLength(1);
      expect(whole?.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Paris', days: 3 } });
    });
  });

  it('given failNext(500) and no retries, invoke rejects, and the next request succeeds', async () => {
    fake.failNext(500);

    await expect(model.invoke('hello')).rejects.toThrow(/500|Fake failure/);
    await expect(model.invoke('hello')).resolves.toMatchObject({ content: 'fake answer to: hello' });
  });

  it('records the messages the client sent', async () => {
    await model.invoke([new SystemMessage('You are terse.'), new HumanMessage('hi there')]);

    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.stream).toBe(false);
    expect(fake.requests[0]?.body).toMatchObject({
      model: 'test-model',
      messages: [
        { role: expect.stringMatching(/^(system|developer)$/), content: 'You are terse.' },
        { role: 'user', content: 'hi there' },
      ],
    });
  });
});

describe('fake OpenAI server over plain HTTP', () => {
  let fake: FakeOpenAI;

  beforeEach(async () => {
    fake = await startFakeOpenAI();
  });

  afterEach(async () => {
    await fake.close();
  });

  it('lists one model', async () => {
    const res = await fetch(`${fake.url}/models`);
    const body = (await res.json()) as { data: { id: string }[] };

    expect(res.status).toBe(200);
    expect(body.data).toHaveLength(1);
  });

  it('answers malformed JSON with a 400 invalid_request_error', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{not json' });
    const body = (await res.json()) as { error: { type: string; message: string } };

    expect(res.status).toBe(400);
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('answers unknown paths with a 404 JSON error', async () => {
    const res = await fetch(`${fake.url}/embeddings`, { method: 'POST', body: '{}' });

    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no route/);
  });

  it('streams usage last, then [DONE], when include_usage is set', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'test-model',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hello' }],
      }),
    });
    const lines = (await res.text()).split('\n\n').filter((l) => l !== '');

    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(lines.at(-1)).toBe('data: [DONE]');
    const usageChunk = JSON.parse(lines.at(-2)!.slice('data: '.length));
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.total_tokens).toBeGreaterThan(0);
    const firstChunk = JSON.parse(lines[0]!.slice('data: '.length));
    expect(firstChunk.choices[0].delta).toEqual({ role: 'assistant', content: '' });
  });
});
