/** The little of irc-framework (a JavaScript package without types) that the tests use. */
declare module "irc-framework" {
  import { EventEmitter } from "node:events";

  export class Client extends EventEmitter {
    constructor(options?: Record<string, unknown>);
    connect(options: Record<string, unknown>): void;
    say(target: string, message: string): void;
    notice(target: string, message: string): void;
    join(channel: string): void;
    part(channel: string, message?: string): void;
    quit(message?: string): void;
    raw(...line: string[]): void;
    who(target: string, callback?: (event: unknown) => void): void;
    whois(nick: string, callback?: (event: unknown) => void): void;
    readonly user: { nick: string };
  }
}
