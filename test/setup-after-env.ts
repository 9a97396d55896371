import { IrcClient } from "./support/irc-client";
import { TcpClient } from "./support/tcp-client";
import { WsClient } from "./support/ws-client";

afterEach(() => {
  TcpClient.closeAll();
  WsClient.closeAll();
  IrcClient.closeAll();
});
