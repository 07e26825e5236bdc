// A local Sentry ingest endpoint: accepts the SDK's envelopes at POST /api/<project>/envelope/
// (plain or gzip), records each item, and answers as Sentry does. DSN: `http://public@HOST:PORT/1`.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface EnvelopeItem {
  type: string;
  // Event payloads are whatever the SDK sent; tests read them freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payload: any;
}

export interface FakeSentry {
  dsn: string;
  /** Every item received, in order (events, sessions, client reports…). */
  items: EnvelopeItem[];
  /** The raw body of every envelope, decompressed, for "this text never left" assertions. */
  rawBodies: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  events(): any[];
  close(): Promise<void>;
}

export async function startFakeSentry(): Promise<FakeSentry> {
  const items: EnvelopeItem[] = [];
  const rawBodies: string[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      if (request.method !== 'POST' || !/^\/api\/\d+\/envelope\/?/u.test(request.url ?? '')) {
        response.writeHead(404).end();
        return;
      }
      const text = body.toString('utf8');
      rawBodies.push(text);
      items.push(...parseEnvelope(text));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://public@127.0.0.1:${port}/1`,
    items,
    rawBodies,
    events: () => items.filter((item) => item.type === 'event').map((item) => item.payload),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/** Envelope: a header line, then per item a header line and its payload line. */
function parseEnvelope(text: string): EnvelopeItem[] {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const parsed: EnvelopeItem[] = [];
  for (let index = 1; index + 1 < lines.length; index += 2) {
    const header = JSON.parse(lines[index]!) as { type: string };
    let payload: unknown = lines[index + 1];
    try {
      payload = JSON.parse(lines[index + 1]!);
    } catch {
      // Attachments are not JSON; keep them as text.
    }
    parsed.push({ type: header.type, payload });
  }
  return parsed;
}
