#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import readline from "node:readline";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { describeFailure, type ConnectOptions } from "./client/connection";
import { Link } from "./client/link";
import { Display } from "./client/display";
import { parseInput, type Send } from "./client/input";
import { styleFor } from "./client/style";

const PROGRAM = "chat-client";
const KEEPALIVE_MS = 30_000;
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

/** Ends the program with one line on stderr. */
function fail(message: string, code = 1): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(code);
}

function parseArguments() {
  const version = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).version as string;
  return yargs(hideBin(process.argv))
    .scriptName(PROGRAM)
    .usage("$0 --user <name> [options]\n\nChat from a terminal. Type /help once connected.")
    .options({
      host: { type: "string", default: "localhost", describe: "server to connect to" },
      port: { type: "number", default: 4000, describe: "its port" },
      user: { type: "string", describe: "the name to log in with (asked for when missing, on a terminal)" },
      tls: { type: "boolean", default: false, describe: "connect with TLS" },
      ca: { type: "string", describe: "PEM file of a certificate to trust for --tls (a self-signed server's)" },
      insecure: { type: "boolean", default: false, describe: "with --tls, do not check the server's certificate" },
    })
    .strict()
    .version(version)
    .help()
    .alias("h", "help")
    .fail((message, error) => fail((message ?? error?.message ?? "invalid arguments").replace(/\s*\n\s*/g, " "), 2))
    .parseSync();
}

async function askName(): Promise<string> {
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  const name = await new Promise<string>((resolve) => prompt.question("Your name: ", resolve));
  prompt.close();
  return name.trim();
}

async function main(): Promise<void> {
  const args = parseArguments();
  const user = args.user ?? (process.stdin.isTTY ? await askName() : fail("--user is required when not at a terminal", 2));
  if (!USERNAME.test(user)) {
    fail(`"${user}" cannot be a name: 1 to 32 letters, digits, "_", "-" or ".", not starting with "-" or "."`, 2);
  }
  if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) fail(`--port must be from 1 to 65535`, 2);
  const where = `${args.host}:${args.port}`;
  const options: ConnectOptions = {
    host: args.host,
    port: args.port,
    ...(args.tls && { tls: { insecure: args.insecure, ...(args.ca && { ca: readFileSync(args.ca, "utf8") }) } }),
  };
  const terminal = process.stdout.isTTY === true;
  const style = styleFor(process.stdout, process.env);
  const display = new Display(style);
  const notice = (text: string): void => print(style.notice(`* ${text}`));
  const input = readline.createInterface({ input: process.stdin, output: process.stdout, terminal, prompt: "> " });
  input.pause();
  // Print without breaking what the user is typing: clear the prompt line,
  // print, then draw the prompt and the typed text again.
  const print = (text: string): void => {
    if (terminal) {
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
      process.stdout.write(`${text}\n`);
      input.prompt(true);
    } else {
      process.stdout.write(`${text}\n`);
    }
  };

  const link = new Link<Send>(options, user, {
    loggedIn(text) {
      if (text !== null) return notice(text);
      print(`connected to ${where} as ${user}; /help for commands`);
      input.resume();
      if (terminal) input.prompt();
    },
    line: (line, answering) => display.show(line, answering).forEach(print),
    reconnecting: (failure) => notice(failure === null ? "connection lost; reconnecting" : `reconnecting: ${failure}`),
    restarting: () => notice("server restarting; reconnecting"),
    resumed: () => notice("reconnected; nothing was missed"),
    unconfirmed: (command) => display.unconfirmed(command).forEach(print),
    refused(line) {
      const [, code] = line.split(" ");
      if (code === "username-taken") fail(`the name "${user}" is taken: choose another with --user`);
      fail(`the server refused the login: ${line}`);
    },
    closed(quitting) {
      if (!quitting) fail(`connection to ${where} lost`);
      if (terminal) {
        readline.clearLine(process.stdout, 0);
        readline.cursorTo(process.stdout, 0);
        process.stdout.write("bye\n");
      }
      process.exit(0);
    },
  });
  await link.start().catch((error: NodeJS.ErrnoException) => fail(`cannot connect to ${where}: ${describeFailure(error)}`));
  setInterval(() => link.ping(), KEEPALIVE_MS).unref();

  input.on("line", (typed) => {
    const action = parseInput(typed);
    if ("send" in action) {
      link.send(action);
    } else if ("local" in action) {
      print(action.local);
    } else if ("quit" in action) {
      link.quit();
    }
    if (terminal) input.prompt();
  });
  // The end of the input (Ctrl-D, or a pipe that ran dry) leaves the chat.
  input.on("close", () => link.quit());
}

void main();
