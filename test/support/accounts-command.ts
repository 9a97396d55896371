import { spawnSync } from "node:child_process";
import { join } from "node:path";

const CLI = join(__dirname, "..", "..", "dist", "cli.js");

/** `chat-server accounts ...` (the built CLI) in `cwd`, with `input` on standard input, run to its end. */
export function accountsCommand(cwd: string, args: readonly string[], input = ""): { code: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, "accounts", ...args], { cwd, input, encoding: "utf8" });
  return { code: status, stdout, stderr };
}
