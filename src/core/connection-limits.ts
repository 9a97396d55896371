import type { Refusal } from "./ports/transport.port";
import { RateTable } from "./rate-table";

/**
 * The group an address counts against for the per-address limits: an IPv4
 * address alone, an IPv6 address by its /64 (what one subscriber gets), or
 * null for loopback (127.0.0.0/8, ::1) when it is exempt.
 */
export function addressGroup(address: string, exemptLoopback: boolean): string | null {
  if (address.includes(":")) {
    const groups = expandIpv6(address);
    if (groups === null) return address;
    if (exemptLoopback && groups.every((group, i) => group === (i === 7 ? 1 : 0))) return null;
    return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
  }
  return exemptLoopback && address.startsWith("127.") ? null : address;
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
function expandIpv6(address: string): number[] | null {
  const text = address.split("%")[0]!;
  if (text.includes(".")) return null; // an embedded IPv4 address: counted as written
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((group) => parseInt(group, 16)));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}

/** The limits on connections, as configured (0 turns each off). */
export interface LimitSettings {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** New connections a second from one address group, once its burst is spent. */
  readonly connectRatePerSecond: number;
  readonly connectBurst: number;
  /** Loopback (127.0.0.0/8, ::1) is under neither per-address limit (local tools, a proxy on the same host). */
  readonly exemptLoopback: boolean;
}

/**
 * Counts open connections, in all and by address group, against their
 * limits, and the rate at which each address group opens new ones (a token
 * bucket in one number per group, GCRA, as flood control does for lines).
 * Loopback is exempt from the per-address limits unless the settings say
 * otherwise. The rate table forgets a group once its bucket is full again,
 * so that it holds only the addresses seen in the last burst's worth of
 * seconds.
 */
export class ConnectionLimits {
  private total = 0;
  private readonly byGroup = new Map<string, number>();
  /** New connections by address group. */
  private readonly rates: RateTable;

  constructor(private readonly settings: LimitSettings) {
    this.rates = new RateTable(settings.connectRatePerSecond, settings.connectBurst);
  }

  /** Counts the connection in (at `now`, in ms), or says why it may not open; `perAddress` false: in the total only. */
  admit(address: string, now: number, perAddress = true): Exclude<Refusal, "server-shutdown"> | null {
    const { maxConnections, maxConnectionsPerAddress } = this.settings;
    const group = perAddress ? addressGroup(address, this.settings.exemptLoopback) : null;
    if (group !== null && !this.rates.take(group, now)) return "connection-rate-exceeded";
    if (maxConnections > 0 && this.total >= maxConnections) return "server-full";
    const count = group === null ? 0 : (this.byGroup.get(group) ?? 0);
    if (group !== null && maxConnectionsPerAddress > 0 && count >= maxConnectionsPerAddress) return "too-many-connections";
    this.total++;
    if (group !== null) this.byGroup.set(group, count + 1);
    return null;
  }

  /** Counts out a connection that `admit` let in (with the same `perAddress`). */
  release(address: string, perAddress = true): void {
    this.total--;
    const group = perAddress ? addressGroup(address, this.settings.exemptLoopback) : null;
    if (group === null) return;
    const count = this.byGroup.get(group)! - 1;
    if (count === 0) this.byGroup.delete(group);
    else this.byGroup.set(group, count);
  }

  /** Groups in the rate table, for tests. */
  get rateEntries(): number {
    return this.rates.entries;
  }
}
