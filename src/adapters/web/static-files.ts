import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
};

/**
 * The page may run only its own scripts and styles, and talk only to its
 * own origin (the WebSocket included): no inline script, so that text from
 * the wire can never become code even if it became markup.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * The web client's files, read once from its folder when the server
 * starts, and served from memory by their exact names: a request names one
 * of them or gets 404, so no path from a request (`/../`, encoded dots,
 * anything) ever reaches the file system.
 */
export class StaticFiles {
  private constructor(private readonly files: ReadonlyMap<string, StaticFile>) {}

  static async load(directory: string): Promise<StaticFiles> {
    const files = new Map<string, StaticFile>();
    for (const name of await readdir(directory)) {
      const type = TYPES[extname(name)];
      if (type === undefined) continue;
      const body = await readFile(join(directory, name));
      const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
      files.set(`/${name}`, { body, type, etag });
    }
    const index = files.get("/index.html");
    if (index !== undefined) files.set("/", index);
    return new StaticFiles(files);
  }

  /** Answers a GET or HEAD for one of the files; 404 for anything else, 405 for other methods. */
  serve(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader("x-content-type-options", "nosniff");
    response.setHeader("referrer-policy", "no-referrer");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const path = (request.url ?? "/").split("?")[0]!;
    const file = this.files.get(path);
    if (file === undefined) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    // Revalidated every time (the files change with the server), cheaply: 304 when unchanged.
    const headers: Record<string, string> = { "content-type": file.type, "cache-control": "no-cache", etag: file.etag };
    if (file.type.startsWith("text/html")) {
      headers["content-security-policy"] = CONTENT_SECURITY_POLICY;
      headers["x-frame-options"] = "DENY";
    }
    if (request.headers["if-none-match"] === file.etag) {
      response.writeHead(304, headers).end();
      return;
    }
    headers["content-length"] = String(file.body.length);
    response.writeHead(200, headers).end(request.method === "HEAD" ? undefined : file.body);
  }
}
