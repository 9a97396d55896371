import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

/** Which CPU the server and the load generator run on; null when not pinned. */
export interface Pinning {
  readonly server: string | null;
  readonly client: string | null;
}

/**
 * On a machine with two or more cores, the server gets one core and this
 * process (the load generator) another, as in the method of the anchors
 * (`taskset -c 1` for the server).
 */
export function pinProcesses(enabled: boolean, serverCpu = "1", clientCpu = "0"): Pinning {
  if (!enabled || cpus().length < 2) return { server: null, client: null };
  execFileSync("taskset", ["-a", "-p", "-c", clientCpu, String(process.pid)], { stdio: "ignore" });
  return { server: serverCpu, client: clientCpu };
}
