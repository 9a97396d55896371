import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ListeningAddress } from "../../core/ports/transport.port";

export interface Health {
  /** "ok" (200): up and taking connections; anything else (503) says why not: "stopping", "displaced". */
  readonly status: string;
  readonly connections: number;
}

/** `GET /metrics` (Prometheus text format) and `GET /healthz`, on their own port. */
export class MetricsHttpServer {
  private server: Server | null = null;

  constructor(
    private readonly options: { readonly port: number; readonly host?: string },
    private readonly registry: Registry,
    private readonly health: () => Health,
    private readonly logger: LoggerPort,
  ) {}

  listen(): Promise<ListeningAddress> {
    const server = http.createServer((request, response) => void this.answer(request, response));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: this.options.port, host: this.options.host }, () => {
        server.off("error", reject);
        server.on("error", (error) => this.logger.error({ err: error }, "metrics server failed"));
        const address = server.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (server === null) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private async answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/metrics") {
      try {
        const body = await this.registry.metrics();
        response.writeHead(200, { "content-type": this.registry.contentType }).end(body);
      } catch (error) {
        this.logger.error({ err: error }, "metrics collection failed");
        response.writeHead(500).end();
      }
    } else if (path === "/healthz") {
      const { status, connections } = this.health();
      response
        .writeHead(status === "ok" ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status, connections }));
    } else {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /healthz\n");
    }
  }
}
