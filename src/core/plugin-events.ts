import { inject, injectable } from "tsyringe";
import { PluginError } from "./errors";
import type { PluginEventData } from "./events";
import type { PluginEventRenderers } from "./plugin-api";
import type { LoggerPort } from "./ports/logger.port";
import { stripControlCharacters } from "./protocol/text";
import { TOKENS } from "./tokens";

/** The protocols a plugin's event can be rendered for. */
export type PluginEventProtocol = "line" | "irc";

const EVENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The kinds of events plugins defined, and how each is rendered in each protocol. */
@injectable()
export class PluginEvents {
  private readonly byKey = new Map<string, PluginEventRenderers>();

  constructor(@inject(TOKENS.Logger) private readonly logger: LoggerPort) {}

  define(plugin: string, name: string, renderers: PluginEventRenderers): void {
    if (typeof name !== "string" || !EVENT_NAME.test(name)) {
      throw new PluginError(plugin, `invalid event name ${JSON.stringify(name)}: 1 to 32 lower-case letters, digits or "-", starting with a letter`);
    }
    if (typeof renderers?.line !== "function") throw new PluginError(plugin, `event ${name}: a line renderer is needed`);
    const key = `${plugin}/${name}`;
    if (this.byKey.has(key)) throw new PluginError(plugin, `event ${name} is defined twice`);
    this.byKey.set(key, renderers);
  }

  has(plugin: string, name: string): boolean {
    return this.byKey.has(`${plugin}/${name}`);
  }

  /**
   * The event's text in `protocol`, one line (control characters removed, so
   * that no renderer can forge a second line); null when the event is
   * unknown here, or its renderer failed (logged with the plugin's name).
   */
  render(plugin: string, name: string, protocol: PluginEventProtocol, data: PluginEventData): string | null {
    const renderers = this.byKey.get(`${plugin}/${name}`);
    if (renderers === undefined) return null;
    try {
      const text: unknown = protocol === "irc" && renderers.irc !== undefined ? renderers.irc(data) : renderers.line(data);
      if (typeof text !== "string") throw new TypeError(`the ${protocol} renderer of event ${name} returned ${typeof text}, not a string`);
      const line = stripControlCharacters(text);
      return line === "" ? null : line;
    } catch (error) {
      this.logger.error({ plugin, event: name, protocol, err: error }, "event renderer failed");
      return null;
    }
  }
}
