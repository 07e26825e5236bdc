// A local Discord gateway speaking the real wire format (JSON, API v10, no compression): HELLO,
// heartbeat ACK, IDENTIFY → READY (+ GUILD_CREATE), dispatches with sequence numbers, RESUME with
// replay of what the client missed, INVALID_SESSION, and chosen close codes. It shards as Discord
// does: each IDENTIFY names `shard: [id, count]`, and a guild's events go only to the session of
// its shard. Dispatches sent while a session's client is disconnected stay in its log, as on Discord.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

type Shard = [id: number, count: number];

interface Session {
  id: string;
  shard: Shard;
  /** Every dispatch of the session, for replay on RESUME. */
  log: { s: number; t: string; d: unknown }[];
  resumable: boolean;
  /** The connection the session is live on; undefined while its client is away. */
  socket: WebSocket | undefined;
}

export interface FakeGatewayOptions {
  /**
   * What READY and GUILD_CREATE carry; called at each IDENTIFY. The gateway keeps the guilds of
   * the identifying shard and fills in READY's `shard` and `guilds` to match.
   */
  readyPayloads(sessionId: string, resumeUrl: string): { ready: object; guilds: { id: string }[] };
  heartbeatIntervalMs?: number;
}

export interface FakeGateway {
  url: string;
  /** Every payload the clients sent, in order (op 2 IDENTIFY, op 6 RESUME, op 1 heartbeats…). */
  received: GatewayPayload[];
  /** Connections accepted so far. */
  connections: number;
  /** Sends a dispatch event to the session of its guild's shard (logged for replay even when disconnected). */
  dispatch(t: string, d: unknown): void;
  /** The next IDENTIFY is answered by closing with this code (e.g. 4014). */
  closeOnIdentify(code: number): void;
  /** Drops every connection without a close frame, as a network failure does. */
  dropConnection(): void;
  /** The next RESUMEs get INVALID_SESSION (not resumable): the clients must identify again. */
  invalidateSession(): void;
  /** Replay on RESUME starts this many events before the client's sequence (at-least-once delivery). */
  replayOverlap(events: number): void;
  /** Whether every session has its client connected and identified (or resumed). */
  isLive(): boolean;
  close(): Promise<void>;
}

const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
const CLOSE_INVALID_SHARD = 4010;

/** Discord's rule: a guild's shard is `(guild_id >> 22) % count`; events without a guild (DMs) go to shard 0. */
export function shardOf(guildId: unknown, count: number): number {
  return typeof guildId === 'string' && /^\d+$/u.test(guildId) ? Number((BigInt(guildId) >> 22n) % BigInt(count)) : 0;
}

/** The guild an event belongs to: its `guild_id`, or the guild itself for GUILD_CREATE. */
function guildOf(t: string, d: unknown): unknown {
  if (typeof d !== 'object' || d === null) return undefined;
  const fields = d as { guild_id?: unknown; id?: unknown };
  return fields.guild_id ?? (t === 'GUILD_CREATE' ? fields.id : undefined);
}

function identifiedShard(d: unknown): Shard | undefined {
  const shard = (d as { shard?: unknown } | undefined)?.shard ?? [0, 1];
  if (!Array.isArray(shard) || shard.length !== 2) return undefined;
  const [id, count] = shard as unknown[];
  return Number.isInteger(id) && Number.isInteger(count) && (id as number) >= 0 && (id as number) < (count as number) ? [id as number, count as number] : undefined;
}

export async function startFakeGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const received: GatewayPayload[] = [];
  /** The current session of each shard id. */
  const sessions = new Map<number, Session>();
  let sessionCount = 0;
  let closeCode: number | undefined;
  let overlap = 0;
  let connections = 0;

  const send = (socket: WebSocket | undefined, payload: GatewayPayload) => socket?.send(JSON.stringify(payload));
  const record = (session: Session, t: string, d: unknown) => {
    const s = session.log.length + 1;
    session.log.push({ s, t, d });
    send(session.socket, { op: OP.Dispatch, s, t, d });
  };
  const dispatch = (t: string, d: unknown) => {
    const guild = guildOf(t, d);
    for (const session of sessions.values()) {
      if (shardOf(guild, session.shard[1]) === session.shard[0]) record(session, t, d);
    }
  };

  function identify(socket: WebSocket, d: unknown): void {
    if (closeCode !== undefined) {
      const code = closeCode;
      closeCode = undefined;
      return socket.close(code, 'closed by the fake gateway');
    }
    const shard = identifiedShard(d);
    if (!shard) return socket.close(CLOSE_INVALID_SHARD, 'Invalid shard');
    const previous = sessions.get(shard[0]);
    if (previous?.socket && previous.socket !== socket) previous.socket.terminate();
    const session: Session = { id: `session-${++sessionCount}`, shard, log: [], resumable: true, socket };
    sessions.set(shard[0], session);
    const { ready, guilds } = options.readyPayloads(session.id, url);
    const own = guilds.filter((guild) => shardOf(guild.id, shard[1]) === shard[0]);
    record(session, 'READY', { ...ready, shard, guilds: own.map((guild) => ({ id: guild.id, unavailable: true })) });
    for (const guild of own) record(session, 'GUILD_CREATE', guild);
  }

  function resume(socket: WebSocket, d: unknown): void {
    const { session_id: sessionId, seq } = d as { session_id: string; seq: number };
    const session = [...sessions.values()].find((candidate) => candidate.id === sessionId);
    if (!session?.resumable) return void send(socket, { op: OP.InvalidSession, d: false });
    session.socket = socket;
    const from = Math.max(0, seq - overlap);
    for (const event of session.log.filter((logged) => logged.s > from)) send(socket, { op: OP.Dispatch, ...event });
    record(session, 'RESUMED', {});
  }

  server.on('connection', (socket) => {
    connections++;
    socket.send(JSON.stringify({ op: OP.Hello, d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 }, s: null, t: null }));
    socket.on('message', (raw) => {
      const payload = JSON.parse(raw.toString()) as GatewayPayload;
      received.push(payload);
      if (payload.op === OP.Heartbeat) return send(socket, { op: OP.HeartbeatAck });
      if (payload.op === OP.Identify) return identify(socket, payload.d);
      if (payload.op === OP.Resume) return resume(socket, payload.d);
    });
    socket.on('close', () => {
      for (const session of sessions.values()) if (session.socket === socket) session.socket = undefined;
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
      for (const session of sessions.values()) {
        session.socket?.terminate();
        session.socket = undefined;
      }
    },
    invalidateSession() {
      for (const session of sessions.values()) session.resumable = false;
    },
    replayOverlap(events) {
      overlap = events;
    },
    isLive: () => sessions.size > 0 && [...sessions.values()].every((session) => session.socket !== undefined),
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
