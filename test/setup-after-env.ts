import { TcpClient } from "./support/tcp-client";

afterEach(() => TcpClient.closeAll());
