import { isUtf8 } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BROWSER_SIGN_IN_MS } from "../../core/browser-sign-ins";
import type { BrowserRefusal, BrowserSession, BrowserSignInsPort, Origin } from "../../core/ports/accounts.port";
import type { LoggerPort } from "../../core/ports/logger.port";

/** Where the web port answers browsers' sign-ins: /auth/signin, /auth/me ... */
export const AUTH_PREFIX = "/auth/";

/** The cookie that holds a browser's sign-in token. */
export const SIGN_IN_COOKIE = "chat_sign_in";

/** The longest body read: a name and two passwords of 256 bytes, escaped. */
const MAX_BODY_BYTES = 4096;

/** The HTTP status of each refusal; its code is the body's `error`. */
const REFUSAL_STATUS: Readonly<Record<BrowserRefusal, number>> = {
  "invalid-username": 400,
  "invalid-password": 400,
  "bad-credentials": 403,
  "not-signed-in": 403,
  "password-needs-tls": 403,
  "registration-closed": 403,
  "no-accounts": 404,
  "username-taken": 409,
  "too-many-attempts": 429,
  busy: 503,
};

/** Who sent a request, as the account rules ask (see Origin), and whether a browser said it came from a page of another site. */
export interface AuthRequester {
  readonly origin: Origin;
  readonly crossSite: boolean;
}

/** What an endpoint answers: the account the browser is signed in to now (and the cookie that says so), or an error. */
type Answer =
  | { readonly account: string | null; readonly cookie?: string | null }
  | { readonly status: number; readonly error: string; readonly cookie?: null; readonly allow?: string };

/** The token in a request's sign-in cookie, if it has one. */
export function signInToken(request: IncomingMessage): string | undefined {
  for (const pair of (request.headers.cookie ?? "").split(";")) {
    const equals = pair.indexOf("=");
    if (equals === -1 || pair.slice(0, equals).trim() !== SIGN_IN_COOKIE) continue;
    const value = pair.slice(equals + 1).trim();
    if (value !== "") return value;
  }
  return undefined;
}

function failed(status: number, error: string): Answer {
  return { status, error };
}

const NOT_FOUND = failed(404, "not-found");
const JSON_REQUIRED = failed(415, "json-required");
const CROSS_SITE = failed(403, "cross-site");
const BODY_TOO_LONG = failed(413, "body-too-long");
const INVALID_BODY = failed(400, "invalid-body");

/** A session's answer, or a refusal's (a refusal of what needs a sign-in also clears the cookie: it signs in to nothing). */
function answerOf(result: BrowserSession | BrowserRefusal): Answer {
  if (typeof result !== "string") return { account: result.account, cookie: result.token };
  return result === "not-signed-in" ? { status: REFUSAL_STATUS[result], error: result, cookie: null } : failed(REFUSAL_STATUS[result], result);
}

/**
 * The web port's sign-in endpoints (docs/WEB.md, "Signing in"), over the
 * core's BrowserSignIns: JSON in and out, and the sign-in's token in an
 * HttpOnly, SameSite=Strict cookie (Secure over HTTPS) that the page's
 * script cannot read. A POST must say `Content-Type: application/json`:
 * a form of another site cannot send that, and a script of another site
 * cannot without a CORS preflight, which this server never allows; with
 * SameSite=Strict (a request from another site carries no cookie), that
 * is the defence against cross-site request forgery. A POST from a page
 * whose origin may not open a WebSocket here is refused too.
 */
export class AuthEndpoints {
  constructor(
    private readonly signIns: BrowserSignInsPort,
    private readonly logger: LoggerPort,
  ) {}

  serve(request: IncomingMessage, response: ServerResponse, requester: AuthRequester): void {
    this.answer(request, requester).then(
      (answer) => this.respond(response, answer, requester.origin.secure),
      (error: unknown) => {
        this.logger.error({ remote: requester.origin.remoteAddress, path: request.url, err: error }, "sign-in request failed");
        this.respond(response, failed(500, "internal-error"), requester.origin.secure);
      },
    );
  }

  private async answer(request: IncomingMessage, { origin, crossSite }: AuthRequester): Promise<Answer> {
    const path = (request.url ?? "").split("?")[0]!.slice(AUTH_PREFIX.length);
    const token = signInToken(request) ?? "";
    if (path === "me") {
      if (request.method !== "GET") return { status: 405, error: "method-not-allowed", allow: "GET" };
      const account = await this.signIns.accountOf(token);
      // A cookie that signs in to nothing any more is cleared.
      return account === null && token !== "" ? { account, cookie: null } : { account };
    }
    const endpoint = POSTS.get(path);
    if (endpoint === undefined) return NOT_FOUND;
    if (request.method !== "POST") return { status: 405, error: "method-not-allowed", allow: "POST" };
    if (crossSite) return CROSS_SITE;
    if (!isJson(request.headers["content-type"])) return JSON_REQUIRED;
    const body = await readBody(request);
    if (!("json" in body)) return body;
    const given = fieldsOf(body.json, endpoint.fields);
    return given === null ? INVALID_BODY : endpoint.run(this.signIns, given, token, origin);
  }

  private respond(response: ServerResponse, answer: Answer, secure: boolean): void {
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (answer.cookie !== undefined) headers["set-cookie"] = cookieHeader(answer.cookie, secure);
    if ("allow" in answer && answer.allow !== undefined) headers.allow = answer.allow;
    // A body not read to its end (too long) is not waited for: the connection closes.
    if (answer === BODY_TOO_LONG) headers.connection = "close";
    const body = "error" in answer ? { error: answer.error } : { account: answer.account };
    response.writeHead("status" in answer ? answer.status : 200, headers).end(JSON.stringify(body));
  }
}

/** A POST endpoint: the string fields its body has, and what it does with them (`token`: the cookie's, if any). */
interface Endpoint {
  readonly fields: readonly string[];
  run(signIns: BrowserSignInsPort, given: Readonly<Record<string, string>>, token: string, origin: Origin): Promise<Answer>;
}

const SIGNED_OUT: Answer = Object.freeze({ account: null, cookie: null });

/** The POST endpoints, by path under /auth/. */
const POSTS: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ["signin", { fields: ["name", "password"], run: async (signIns, { name, password }, _, origin) => answerOf(await signIns.signIn(name!, password!, origin)) }],
  ["register", { fields: ["name", "password"], run: async (signIns, { name, password }, _, origin) => answerOf(await signIns.register(name!, password!, origin)) }],
  [
    "password",
    {
      fields: ["password", "newPassword"],
      run: async (signIns, { password, newPassword }, token, origin) => answerOf(await signIns.changePassword(token, password!, newPassword!, origin)),
    },
  ],
  [
    "signout",
    {
      fields: [],
      async run(signIns, _, token) {
        await signIns.signOut(token);
        return SIGNED_OUT;
      },
    },
  ],
  [
    "signout-everywhere",
    { fields: [], run: async (signIns, _, token) => ((await signIns.signOutEverywhere(token)) === null ? answerOf("not-signed-in") : SIGNED_OUT) },
  ],
]);

/** `Content-Type: application/json`, with parameters (`; charset=utf-8`) or not. */
function isJson(type: string | undefined): boolean {
  return type?.split(";")[0]!.trim().toLowerCase() === "application/json";
}

/** The body, parsed: an object; or the answer that says what is wrong with it. */
function readBody(request: IncomingMessage): Promise<{ readonly json: object } | Answer> {
  if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return Promise.resolve(BODY_TOO_LONG);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else resolve(BODY_TOO_LONG);
    });
    request.on("error", reject);
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      if (!isUtf8(body)) return resolve(failed(400, "invalid-utf8"));
      try {
        const value: unknown = JSON.parse(body.toString("utf8"));
        resolve(typeof value === "object" && value !== null && !Array.isArray(value) ? { json: value } : failed(400, "invalid-json"));
      } catch {
        resolve(failed(400, "invalid-json"));
      }
    });
  });
}

/** The body's fields, when it has exactly these, each a string; else null. */
function fieldsOf(body: object, names: readonly string[]): Record<string, string> | null {
  const entries = Object.entries(body);
  const fits = entries.length === names.length && entries.every(([name, value]) => names.includes(name) && typeof value === "string");
  return fits ? (Object.fromEntries(entries) as Record<string, string>) : null;
}

/** The cookie that holds `token` for as long as a sign-in lasts, or (null) that clears it. */
function cookieHeader(token: string | null, secure: boolean): string {
  const life = token === null ? "Max-Age=0" : `Max-Age=${BROWSER_SIGN_IN_MS / 1000}`;
  return `${SIGN_IN_COOKIE}=${token ?? ""}; Path=/; ${life}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
