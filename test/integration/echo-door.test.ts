import { join } from "node:path";
import { build, type ChatApp, type ServerConfig } from "../../src/composition-root";
import { DOORS } from "../../src/doors/doors";
import { RecordingLogger } from "../../src/testing/recording-logger";
import { CliProcess } from "../support/cli-process";
import { ECHO_DOOR, type EchoConfig } from "../support/echo-door";
import { TcpClient } from "../support/tcp-client";

/*
 * Adding a door is its module and its line in the list: the echo door
 * (test/support/echo-door.ts) is nowhere in the server's sources, and the
 * composition root and the CLI serve it once the list they are given has
 * it.
 */

/** The CLI from its sources, with the echo door at the end of the list. */
const CLI_WITH_ECHO = ["-r", join(__dirname, "..", "support", "require-ts.js"), join(__dirname, "..", "support", "cli-with-test-doors.ts")];

const running: CliProcess[] = [];
const apps: ChatApp[] = [];

afterEach(async () => {
  for (const cli of running.splice(0)) cli.kill("SIGKILL");
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

describe("a door added to the list: the echo door", () => {
  it("is served by the composition root beside the others, which go on as before, and stopped with them", async () => {
    const logger = new RecordingLogger();
    const config: Partial<ServerConfig> & EchoConfig = { port: 0, host: "127.0.0.1", echo: { port: 0 } };
    const app = await build(config, { logger, doors: [...DOORS, ECHO_DOOR] });
    apps.push(app);
    const [line, echoed] = await app.start();
    expect(logger.find("listening").map((entry) => entry.context.transport)).toEqual(["tcp", "echo"]);

    const echo = await TcpClient.connect(echoed!.port);
    echo.send("hello, door");
    echo.send("MSG not a command here");
    expect(await echo.readLines(2)).toEqual(["hello, door", "MSG not a command here"]);
    const alice = await TcpClient.login(line!.port, "alice");
    alice.send("PING");
    expect(await alice.readLine()).toBe("PONG");

    await app.stop();
    expect(await echo.readUntilClosed()).toEqual(['{"kind":"server-shutdown"}']);
    expect(await alice.readUntilClosed()).toEqual(["INFO server-shutdown"]);
  });

  it("has its flag in the CLI's --help, with its text; the CLI of the list as shipped has not", async () => {
    const help = await CliProcess.run(["--help"], {}, undefined, CLI_WITH_ECHO);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {6}--echo-port +echo every line on this port +\[string\]$/m);
    expect(help.stdout).toMatch(/^ {6}--port +TCP port/m);
    expect((await CliProcess.run(["--help"])).stdout).not.toContain("--echo-port");
  });

  it("is served by the CLI on --echo-port, its value checked by the door", async () => {
    const cli = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", "--echo-port", "0"], {}, undefined, CLI_WITH_ECHO);
    running.push(cli);
    const echo = await TcpClient.connect(await cli.port("echo"));
    echo.send("over the wire");
    expect(await echo.readLine()).toBe("over the wire");

    const refused = await CliProcess.run(["--echo-port", "seven"], {}, undefined, CLI_WITH_ECHO);
    expect([refused.code, refused.stderr]).toEqual([2, 'chat-server: --echo-port must be a whole number from 0 to 65535, got "seven"\n']);
  });

  it("cannot declare a flag another door has: the CLI refuses to start", async () => {
    const twice = await CliProcess.run(["--help"], { ECHO_DOORS: "2" }, undefined, CLI_WITH_ECHO);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^chat-server: Error: the echo door's flag --echo-port is declared already\n/);
  });
});
