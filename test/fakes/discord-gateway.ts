// A local Discord gateway speaking the real wire format (JSON, API v10, no compression): HELLO,
// heartbeat ACK, IDENTIFY → READY (+ GUILD_CREATE), dispatches with sequence numbers, RESUME with
// replay of what the client missed, INVALID_SESSION, and chosen close codes. Dispatches sent
// while no client is connected stay in the session's log, as on Discord.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

interface Session {
  id: string;
  /** Every dispatch of the session, for replay on RESUME. */
  log: { s: number; t: string; d: unknown }[];
  resumable: boolean;
}

export interface FakeGatewayOptions {
  /** What READY and GUILD_CREATE carry; called at each IDENTIFY. */
  readyPayloads(sessionId: string, resumeUrl: string): { ready: unknown; guilds: unknown[] };
  heartbeatIntervalMs?: number;
}

export interface FakeGateway {
  url: string;
  /** Every payload the client sent, in order (op 2 IDENTIFY, op 6 RESUME, op 1 heartbeats…). */
  received: GatewayPayload[];
  /** Connections accepted so far. */
  connections: number;
  /** Sends a dispatch event in the current session (logged for replay even when disconnected). */
  dispatch(t: string, d: unknown): void;
  /** The next IDENTIFY is answered by closing with this code (e.g. 4014). */
  closeOnIdentify(code: number): void;
  /** Drops the connection without a close frame, as a network failure does. */
  dropConnection(): void;
  /** The next RESUME gets INVALID_SESSION (not resumable): the client must identify again. */
  invalidateSession(): void;
  /** Replay on RESUME starts this many events before the client's sequence (at-least-once delivery). */
  replayOverlap(events: number): void;
  /** Whether a client is connected and identified (or resumed). */
  isLive(): boolean;
  close(): Promise<void>;
}

const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

export async function startFakeGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const received: GatewayPayload[] = [];
  let socket: WebSocket | undefined;
  let live = false;
  let session: Session | undefined;
  let sessions = 0;
  let closeCode: number | undefined;
  let overlap = 0;
  let connections = 0;

  const send = (payload: GatewayPayload) => socket?.send(JSON.stringify(payload));
  const dispatch = (t: string, d: unknown) => {
    if (!session) return;
    const s = session.log.length + 1;
    session.log.push({ s, t, d });
    if (live) send({ op: OP.Dispatch, s, t, d });
  };

  server.on('connection', (ws) => {
    connections++;
    socket?.terminate();
    socket = ws;
    live = false;
    ws.send(JSON.stringify({ op: OP.Hello, d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 }, s: null, t: null }));
    ws.on('message', (raw) => {
      if (ws !== socket) return;
      const payload = JSON.parse(raw.toString()) as GatewayPayload;
      received.push(payload);
      if (payload.op === OP.Heartbeat) return send({ op: OP.HeartbeatAck });
      if (payload.op === OP.Identify) {
        if (closeCode !== undefined) {
          const code = closeCode;
          closeCode = undefined;
          return ws.close(code, 'closed by the fake gateway');
        }
        session = { id: `session-${++sessions}`, log: [], resumable: true };
        live = true;
        const { ready, guilds } = options.readyPayloads(session.id, url);
        dispatch('READY', ready);
        for (const guild of guilds) dispatch('GUILD_CREATE', guild);
        return;
      }
      if (payload.op === OP.Resume) {
        const { session_id: sessionId, seq } = payload.d as { session_id: string; seq: number };
        if (!session || session.id !== sessionId || !session.resumable) {
          return send({ op: OP.InvalidSession, d: false });
        }
        live = true;
        const from = Math.max(0, seq - overlap);
        for (const event of session.log.filter((logged) => logged.s > from)) send({ op: OP.Dispatch, ...event });
        dispatch('RESUMED', {});
      }
    });
    ws.on('close', () => {
      if (ws === socket) live = false;
    });
  });

  return {
    url,
    received,
    get connections() {
      return connections;
    },
    dispatch,
    closeOnIdentify(code) {
      closeCode = code;
    },
    dropConnection() {
      live = false;
      socket?.terminate();
    },
    invalidateSession() {
      if (session) session.resumable = false;
    },
    replayOverlap(events) {
      overlap = events;
    },
    isLive: () => live,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
