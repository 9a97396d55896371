import { execFileSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { processUsage } from "./server-process";

const SOURCE = join(__dirname, "..", "..", "bench", "native", "login-storm.c");
const BINARY = join(__dirname, "..", "login-storm.bin");

export interface LoginStorm {
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  /** CPU seconds the storm process used. */
  readonly cpuSeconds: number;
  /** Closes every connection. */
  close(): void;
}

/** Builds the native login storm with the C compiler; false when there is none. */
function ensureBuilt(): boolean {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return true;
  try {
    execFileSync("cc", ["-O2", "-o", BINARY, SOURCE], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface StormOptions {
  /** Each socket's receive buffer in bytes (SO_RCVBUF); the system's default when omitted. */
  readonly receiveBuffer?: number;
  /** Usernames are this and the client's number; "u" by default. */
  readonly prefix?: string;
}

/**
 * Opens `count` logged-in connections with the native generator (pinned to
 * `cpu` when given), which read nothing after their OK; null when it cannot
 * be built here.
 */
export async function nativeLoginStorm(
  port: number,
  count: number,
  inFlight: number,
  cpu: string | null,
  options: StormOptions = {},
): Promise<LoginStorm | null> {
  if (!ensureBuilt()) return null;
  const args = ["127.0.0.1", String(port), String(count), String(inFlight), String(options.receiveBuffer ?? 0), options.prefix ?? "u"];
  const child = cpu === null ? spawn(BINARY, args) : spawn("taskset", ["-c", cpu, BINARY, ...args]);
  const line = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      output += text;
      if (output.includes("\n")) resolve(output.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`login storm exited with ${code}`)));
  });
  const result = JSON.parse(line) as { ok: number; failed: number; seconds: number };
  return { ...result, cpuSeconds: processUsage(child.pid!).cpuSeconds, close: () => child.stdin.end() };
}
