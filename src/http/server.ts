// The one HTTP server of a process: platform webhooks (Slack), health and metrics share PORT.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

interface Route {
  method: string;
  /** An exact path, or a prefix ending in `/*`. */
  path: string;
  handler: RouteHandler;
}

export class HttpServer {
  private readonly routes: Route[] = [];
  private readonly server = http.createServer((request, response) => void this.dispatch(request, response));

  constructor(private readonly logger: Logger) {}

  route(method: string, path: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), path, handler });
    return this;
  }

  /** Listens on `port` (0 for any free one) and resolves with the port taken. */
  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const matches = this.routes.filter((route) => matchesPath(route.path, path));
    const route = matches.find((candidate) => candidate.method === request.method);
    try {
      if (route) return await route.handler(request, response);
      if (matches.length > 0) return sendJson(response, 405, { error: `${request.method} is not allowed on ${path}` });
      return sendJson(response, 404, { error: `Nothing at ${path}` });
    } catch (error) {
      this.logger.error({ err: error, path }, 'HTTP handler failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'Internal error' });
      else response.end();
    }
  }
}

function matchesPath(pattern: string, path: string): boolean {
  return pattern.endsWith('/*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}
