// Slack's Socket Mode side, in the real wire format. apps.connections.open (slack-api.ts) hands
// out single-use `ws://…/link/?ticket=…` URLs; a connection is greeted with `hello`, then gets
// envelopes (`events_api`, `slash_commands`) that the client acks with `{ envelope_id, payload }`;
// a `disconnect` (`refresh_requested`) makes the client close and open a new connection through
// apps.connections.open. As on Slack, an event can come again under a new envelope id with
// `retry_attempt` raised (Slack redelivers what was not acked in time).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const FAKE_APP_ID = 'A0FAKE';

export interface SocketModeEnvelope {
  envelope_id: string;
  type: 'events_api' | 'slash_commands';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketModeAck {
  envelopeId: string;
  /** What came with the ack (Bolt sends `{}` for a bare `ack()`). */
  payload: unknown;
  at: number;
}

export interface SocketModeConnection {
  ticket: string;
  openedAt: number;
  /** The close code, once the connection is closed (1000 when the client closed it cleanly). */
  closeCode?: number;
}

export interface FakeSocketMode {
  /** A fresh single-use connection URL: what apps.connections.open answers. */
  connectionUrl(): string;
  /** Every connection a client opened, oldest first. */
  connections: SocketModeConnection[];
  /** Every envelope sent, in order. */
  sent: SocketModeEnvelope[];
  /** Every ack the client sent, in order. */
  acks: SocketModeAck[];
  /** Delivers an Events API body (`event_callback`) on the open connection; returns its envelope id. */
  deliverEvent(body: Record<string, unknown>): string;
  /** Delivers a slash command's fields on the open connection; returns its envelope id. */
  deliverSlashCommand(fields: Record<string, string>): string;
  /** Delivers an envelope's payload again under a new envelope id, `retry_attempt` one higher. */
  redeliver(envelopeId: string, reason?: string): string;
  /** Asks the client to reconnect, as Slack does before it recycles a connection. */
  requestRefresh(): void;
  /** Whether a client holds an open connection. */
  isLive(): boolean;
  close(): Promise<void>;
}

export async function startFakeSocketMode(appId = FAKE_APP_ID): Promise<FakeSocketMode> {
  const tickets = new Set<string>();
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    // A ticket opens one connection; a reconnect must ask apps.connections.open again.
    verifyClient: ({ req }: { req: IncomingMessage }) => tickets.delete(new URL(req.url ?? '/', 'ws://localhost').searchParams.get('ticket') ?? ''),
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/`;
  const connections: SocketModeConnection[] = [];
  const sent: SocketModeEnvelope[] = [];
  const acks: SocketModeAck[] = [];
  let live: WebSocket | undefined;

  const send = (envelope: Omit<SocketModeEnvelope, 'envelope_id'>): string => {
    if (!live) throw new Error('no Socket Mode connection is open to deliver on');
    const full = { ...envelope, envelope_id: randomUUID() };
    sent.push(full);
    live.send(JSON.stringify(full));
    return full.envelope_id;
  };

  server.on('connection', (socket, request) => {
    const connection: SocketModeConnection = { ticket: new URL(request.url ?? '/', 'ws://localhost').searchParams.get('ticket')!, openedAt: Date.now() };
    connections.push(connection);
    live = socket;
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: server.clients.size,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { envelope_id?: string; payload?: unknown };
      if (message.envelope_id) acks.push({ envelopeId: message.envelope_id, payload: message.payload, at: Date.now() });
    });
    socket.on('close', (code) => {
      connection.closeCode = code;
      if (live === socket) live = undefined;
    });
  });

  return {
    connectionUrl() {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `${base}?ticket=${ticket}&app_id=${appId}`;
    },
    connections,
    sent,
    acks,
    deliverEvent: (body) => send({ type: 'events_api', payload: body, accepts_response_payload: false, retry_attempt: 0, retry_reason: '' }),
    deliverSlashCommand: (fields) => send({ type: 'slash_commands', payload: { ...fields }, accepts_response_payload: true }),
    redeliver(envelopeId, reason = 'timeout') {
      const original = sent.find((envelope) => envelope.envelope_id === envelopeId);
      if (!original) throw new Error(`no envelope ${envelopeId} was sent`);
      const attempts = sent.filter((envelope) => envelope.payload === original.payload);
      return send({ ...original, retry_attempt: attempts.length, retry_reason: reason });
    },
    requestRefresh() {
      live?.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'applink-fake' } }));
    },
    isLive: () => live !== undefined,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
