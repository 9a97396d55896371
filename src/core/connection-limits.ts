/** Why a new connection is turned away; the client is told `ERR <refusal>`. */
export type Refusal = "server-full" | "too-many-connections";

/**
 * The group an address counts against for the per-address limit: an IPv4
 * address alone, an IPv6 address by its /64 (what one subscriber gets), or
 * null for loopback, which is exempt.
 */
export function addressGroup(address: string): string | null {
  if (address.includes(":")) {
    const groups = expandIpv6(address);
    if (groups === null) return address;
    if (groups.every((group, i) => group === (i === 7 ? 1 : 0))) return null;
    return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
  }
  return address.startsWith("127.") ? null : address;
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

/** Counts open connections, in all and by address group, against their limits (0: none). */
export class ConnectionLimits {
  private total = 0;
  private readonly byGroup = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerGroup: number,
  ) {}

  /** Counts the connection in, or says why it may not open. */
  admit(address: string): Refusal | null {
    if (this.maxTotal > 0 && this.total >= this.maxTotal) return "server-full";
    const group = addressGroup(address);
    const count = group === null ? 0 : (this.byGroup.get(group) ?? 0);
    if (group !== null && this.maxPerGroup > 0 && count >= this.maxPerGroup) return "too-many-connections";
    this.total++;
    if (group !== null) this.byGroup.set(group, count + 1);
    return null;
  }

  /** Counts out a connection that `admit` let in. */
  release(address: string): void {
    this.total--;
    const group = addressGroup(address);
    if (group === null) return;
    const count = this.byGroup.get(group)! - 1;
    if (count === 0) this.byGroup.delete(group);
    else this.byGroup.set(group, count);
  }
}
