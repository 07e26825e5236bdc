// GET /healthz (the process is alive), GET /readyz (every configured store answers and every
// platform is connected) and GET /metrics, on the process's one HTTP server.
import type { HttpServer } from '../http/server.js';
import { sendJson } from '../http/server.js';
import type { Metrics } from './metrics.js';
import { withTimeout } from './with-timeout.js';

export interface ReadinessCheck {
  /** e.g. `store:transcripts`, `platform:discord`. */
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check(): Promise<void>;
}

export interface HealthOptions {
  /** Per check; a check slower than this counts as failed. */
  timeoutMs?: number;
  /**
   * A result is reused this long, so aggressive probes from several sources do not turn into a
   * query per probe against the stores (Pinecone bills reads).
   */
  cacheMs?: number;
}

interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export class Health {
  private started = false;
  private stopping = false;
  private readonly checks: ReadinessCheck[] = [];
  private cached: { at: number; results: Record<string, CheckResult> } | undefined;
  private readonly startedAt = Date.now();
  private readonly timeoutMs: number;
  private readonly cacheMs: number;

  constructor(options: HealthOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.cacheMs = options.cacheMs ?? 2_000;
  }

  add(...checks: ReadinessCheck[]): this {
    this.checks.push(...checks);
    this.cached = undefined;
    return this;
  }

  /** Platforms are connected: /readyz may answer 200 from now on. */
  markStarted(): void {
    this.started = true;
  }

  /** From now on /readyz answers 503, so load balancers stop sending new work. */
  markStopping(): void {
    this.stopping = true;
  }

  async readiness(): Promise<{ ready: boolean; status: string; checks: Record<string, CheckResult> }> {
    if (this.stopping) return { ready: false, status: 'stopping', checks: {} };
    if (!this.started) return { ready: false, status: 'starting', checks: {} };
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.cacheMs) {
      const entries = await Promise.all(this.checks.map(async (check) => [check.name, await this.run(check)] as const));
      this.cached = { at: now, results: Object.fromEntries(entries) };
    }
    const ready = Object.values(this.cached.results).every((result) => result.ok);
    return { ready, status: ready ? 'ready' : 'not ready', checks: this.cached.results };
  }

  /** Mounts /healthz, /readyz and (given metrics) /metrics. */
  mount(http: HttpServer, metrics?: Metrics): void {
    http.route('GET', '/healthz', (_request, response) =>
      sendJson(response, 200, { status: 'ok', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) }),
    );
    http.route('GET', '/readyz', async (_request, response) => {
      const { ready, status, checks } = await this.readiness();
      sendJson(response, ready ? 200 : 503, { status, checks });
    });
    if (metrics) {
      http.route('GET', '/metrics', async (_request, response) => {
        const body = await metrics.text();
        response.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
        response.end(body);
      });
    }
  }

  private async run(check: ReadinessCheck): Promise<CheckResult> {
    const start = performance.now();
    try {
      await withTimeout(check.check(), this.timeoutMs, 'no answer');
      return { ok: true, ms: Math.round(performance.now() - start) };
    } catch (error) {
      return { ok: false, ms: Math.round(performance.now() - start), error: firstLine(error) };
    }
  }
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split('\n')[0]!.slice(0, 300);
}
