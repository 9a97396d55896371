/** Who an event is for. Group names are compared ignoring ASCII case. */
export type MessageTarget =
  | { readonly kind: "everyone" }
  | { readonly kind: "user"; readonly username: string }
  | { readonly kind: "group"; readonly group: string };

/** A user gone, and why (quit, idle, client-closed, ...; "left" when another node told us), with its words on leaving if any. */
export interface Departed {
  readonly username: string;
  readonly reason: string;
  readonly message?: string;
  /** The groups it was in (names or keys: case is ignored), so that those outside everyone who shared one are told (see Recipient.hearsEveryone); none when absent. */
  readonly rooms?: readonly string[];
}

/**
 * A change to a group's modes (a room's, IRC's channel modes): a member made
 * one of its operators, or no longer (`user`, as the group shows it), or
 * the group made secret (listed only to its members), or no longer.
 */
export type GroupModeChange =
  | { readonly mode: "operator"; readonly user: string; readonly on: boolean }
  | { readonly mode: "secret"; readonly on: boolean };

/** What a plugin's own event carries: plain values, so that it crosses the cluster as it is. */
export type PluginEventData = Readonly<Record<string, string | number | boolean>>;

/** An event's identity: its id, and when it was made (epoch milliseconds, the node's wall clock). */
export interface Stamp {
  readonly id: string;
  readonly at: number;
}

/**
 * What the chat tells its users, in no protocol's words: each transport
 * renders it for its own connections (the line protocol, IRC ...). Every
 * event has an identity (Stamp): `id`, its id in the cluster (a ULID: see
 * EventIds), and `at`, when the node that made it did (milliseconds since
 * 1970, that node's wall clock); every node and door that shows it shows
 * the same.
 */
export type ChatEvent = Stamp & EventBody;

/** An event, before its identity. */
export type EventBody =
  /** A user's message, to everyone, a group, or one user (`at`: when the server accepted it); `notice`: see ChatMessage. */
  | {
      readonly type: "message";
      readonly from: string;
      readonly to: MessageTarget;
      readonly text: string;
      readonly notice?: true;
    }
  /** A line from the server (a plugin's notice), not a user's message. */
  | { readonly type: "notice"; readonly to: MessageTarget; readonly text: string }
  /**
   * A user logged in; `signedIn`: to its account (not a guest); `outside`: it
   * does not hear what goes to everyone (see Recipient.hearsEveryone), so a
   * door that shows everyone as a place (IRC's lobby) does not show it there.
   */
  | { readonly type: "login"; readonly user: string; readonly signedIn?: true; readonly outside?: true }
  /** A user goes by another name from now on (`name`); it was `user`. `rooms`: its groups, as for Departed. */
  | { readonly type: "renamed"; readonly user: string; readonly name: string; readonly rooms?: readonly string[] }
  /**
   * A user left what goes to everyone (`outside` true, with its words on
   * leaving if any: IRC's PART of the lobby), or came back to it; told to
   * those who hear everyone, and shown only by a door that shows everyone
   * as a place.
   */
  | { readonly type: "outside"; readonly user: string; readonly outside: boolean; readonly message?: string }
  | { readonly type: "departure"; readonly users: readonly Departed[] }
  | { readonly type: "joined"; readonly user: string; readonly group: string }
  /** A user left a group; `message`: its words on leaving, if any. */
  | { readonly type: "parted"; readonly user: string; readonly group: string; readonly message?: string }
  /** One of a group's operators (`by`) changed its modes; told to every member, `by` too. */
  | { readonly type: "mode"; readonly by: string; readonly group: string; readonly change: GroupModeChange }
  /** A plugin's own kind of event, rendered by the renderers it defined. */
  | {
      readonly type: "plugin";
      readonly plugin: string;
      readonly name: string;
      readonly to: MessageTarget;
      readonly data: PluginEventData;
    };

/**
 * Whether every user is sent `event` (logins, renames, departures, comings
 * and goings outside everyone, and what goes to everyone), those outside
 * everyone apart: a door writes it once for all of them.
 */
export function isForEveryone(event: ChatEvent): boolean {
  const { type } = event;
  return type === "login" || type === "renamed" || type === "departure" || type === "outside" || ("to" in event && event.to.kind === "everyone");
}

/** Turns events into one protocol's bytes on the wire. */
export interface Renderer {
  /** Unique in the process: where an Outgoing keeps this renderer's bytes. */
  readonly id: number;
  /** Whether this protocol shows logins (the line protocol does not): only then are they delivered to its users. */
  readonly showsLogins: boolean;
  /** The event's bytes, ready for the wire; null when this protocol does not show it. */
  render(event: ChatEvent): Uint8Array | null;
}

let renderers = 0;

/** An id for a new Renderer. */
export function rendererId(): number {
  return renderers++;
}

/**
 * An event on its way to its recipients, rendered at most once per
 * protocol whatever their number: the first recipient of a protocol
 * renders it, the others share those bytes.
 */
export class Outgoing {
  private readonly rendered: (Uint8Array | null | undefined)[] = [];

  constructor(readonly event: ChatEvent) {}

  /** Lines it makes, for the count of lines delivered. */
  get lines(): number {
    return this.event.type === "departure" ? this.event.users.length : 1;
  }

  bytesFor(renderer: Renderer): Uint8Array | null {
    let bytes = this.rendered[renderer.id];
    if (bytes === undefined) bytes = this.rendered[renderer.id] = renderer.render(this.event);
    return bytes;
  }
}
