import type { Refusal } from "../../core/ports/transport.port";
import type { SocketProtocol } from "../socket/socket-server";
import { IrcConnection, type IrcSettings } from "./irc-connection";
import { IrcRenderer } from "./irc-renderer";

/**
 * IRC over TCP or TLS, beside the line protocol: a SocketServer speaks it
 * with this. One renderer for all its connections (events are rendered
 * once for every IRC user); made when the first connection comes, from
 * the core's plugin events.
 */
export function ircProtocol(settings: IrcSettings): SocketProtocol {
  let renderer: IrcRenderer | null = null;
  return {
    name: "irc",
    tlsName: "irc-tls",
    refusal: (refusal: Refusal) => Buffer.from(`ERROR :Closing Link: * (${refusal})\r\n`),
    connect(socket, address, batcher, acceptor) {
      renderer ??= new IrcRenderer(settings.names, acceptor.pluginEvents);
      return new IrcConnection(socket, address, batcher, renderer, settings, { syntax: acceptor.syntax, plugins: acceptor.pluginEvents });
    },
  };
}
