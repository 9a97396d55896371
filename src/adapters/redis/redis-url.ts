/**
 * A Redis URL carries a password (`redis://user:password@host`, or a
 * `password` parameter, which ioredis reads too), and so does a PostgreSQL
 * one (`postgres://user:password@host/db`, the same parameter for pg). None
 * of it may reach a log line, an error message or stderr: these are what
 * may be printed instead.
 */

const HIDDEN = "***";

/** Whether this is a URL of the form the cluster takes: redis:// or rediss://, with a host. */
export function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** The URL with its password replaced by ***: it still names the host, port and user. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== "") url.password = HIDDEN;
    if (url.searchParams.has("password")) url.searchParams.set("password", HIDDEN);
    return url.toString();
  } catch {
    // Not a URL the WHATWG parser takes (a "/" in the password, a bad port):
    // whatever comes before the last "@" may be secret.
    return text.replace(/\/\/.*@/, `//${HIDDEN}@`).replace(/([?&]password=)[^&]*/i, `$1${HIDDEN}`);
  }
}

/**
 * A function that takes the URL's secrets out of a text (an error message
 * from the Redis or PostgreSQL client, say): the password, raw or
 * decoded, and the URL itself, shown redacted.
 */
export function secretScrubber(text: string): (message: string) => string {
  const secrets = new Set<string>();
  try {
    const url = new URL(text);
    for (const value of [url.password, url.searchParams.get("password") ?? ""]) {
      if (value === "") continue;
      secrets.add(value);
      secrets.add(safeDecode(value));
    }
  } catch {
    // Unparsed: the URL itself is hidden below, which covers its password.
  }
  const shown = redactUrl(text);
  return (message) => {
    let scrubbed = message.split(text).join(shown);
    for (const secret of secrets) scrubbed = scrubbed.split(secret).join(HIDDEN);
    return scrubbed;
  };
}

/**
 * An error from the Redis client as it may be logged: its message and code
 * only. ioredis attaches the arguments of the command that failed
 * (`error.command.args`), and AUTH's are the user name and password.
 */
export function loggableError(error: unknown, scrub: (message: string) => string): { message: string; code?: string } {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  return {
    message: scrub(typeof message === "string" ? message : String(error)),
    ...(typeof code === "string" && { code }),
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
