import { linesOf, startTestServer } from "../../../src/testing/test-server";

describe("PING", () => {
  it("answers PONG before login and after", async () => {
    const server = await startTestServer();
    const client = server.connect();
    client.send("PING");
    expect(await linesOf(client)).toEqual(["PONG"]);
    client.send("LOGIN alice");
    client.send("ping extra words");
    expect(await linesOf(client)).toEqual(["OK", "PONG"]);
  });
});
