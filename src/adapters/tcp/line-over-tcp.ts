import { encodeRefusal, lineCodecOf } from "../line/line-codec";
import type { SocketProtocol } from "../socket/socket-server";
import { NetConnection } from "./net-connection";

/** The line protocol over TCP (and TLS): the TCP door, served by a SocketServer. */
export const LINE_PROTOCOL: SocketProtocol = {
  name: "tcp",
  tlsName: "tls",
  refusal: encodeRefusal,
  connect: (socket, address, batcher, acceptor) => new NetConnection(socket, address, batcher, lineCodecOf(acceptor)),
};
