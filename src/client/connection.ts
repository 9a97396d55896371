import net, { type Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Speak TLS; `ca` is a PEM to trust besides the system's, `insecure` skips checking the server. */
  readonly tls?: { readonly ca?: string; readonly insecure?: boolean };
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused (is the server running?)",
  ENOTFOUND: "no such host",
  EHOSTUNREACH: "host unreachable",
  ETIMEDOUT: "timed out",
  ECONNRESET: "connection reset",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed (use --ca with it, or --insecure)",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not trusted (use --ca, or --insecure)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is for another name",
};

/** A connection failure in words. */
export function describeFailure(error: NodeJS.ErrnoException): string {
  return REASONS[error.code ?? ""] ?? error.message;
}

/** Connects; rejects with the error if it cannot. */
export function connect(options: ConnectOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const { host, port } = options;
    const socket =
      options.tls === undefined
        ? net.connect({ host, port, noDelay: true }, () => done())
        : tls.connect(
            { host, port, servername: net.isIP(host) ? undefined : host, ca: options.tls.ca, rejectUnauthorized: !options.tls.insecure },
            () => done(),
          );
    const done = (): void => {
      socket.off("error", reject);
      resolve(socket);
    };
    socket.once("error", reject);
  });
}

/** Splits what the server sends into lines. */
export function onLines(socket: Duplex, handle: (line: string) => void): void {
  let rest = "";
  socket.setEncoding("utf8");
  socket.on("data", (text: string) => {
    const lines = (rest + text).split("\n");
    rest = lines.pop()!;
    for (const line of lines) handle(line);
  });
}
