import { inject, injectable } from "tsyringe";
import { PluginError } from "./errors";
import type { PluginEventData } from "./events";
import type { PluginEventRenderers } from "./plugin-api";
import type { LoggerPort } from "./ports/logger.port";
import { stripControlCharacters } from "./text";
import { TOKENS } from "./tokens";

const EVENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The kinds of events (and replies) plugins defined, and how each door renders them. */
@injectable()
export class PluginEvents {
  private readonly byKey = new Map<string, PluginEventRenderers>();

  constructor(@inject(TOKENS.Logger) private readonly logger: LoggerPort) {}

  define(plugin: string, name: string, renderers: PluginEventRenderers): void {
    if (typeof name !== "string" || !EVENT_NAME.test(name)) {
      throw new PluginError(plugin, `invalid event name ${JSON.stringify(name)}: 1 to 32 lower-case letters, digits or "-", starting with a letter`);
    }
    const given = typeof renderers === "object" && renderers !== null ? Object.entries(renderers) : [];
    if (given.length === 0 || given.some(([, render]) => typeof render !== "function")) {
      throw new PluginError(plugin, `event ${name}: renderings are functions by door, "text" the default; at least one is needed`);
    }
    const key = `${plugin}/${name}`;
    if (this.byKey.has(key)) throw new PluginError(plugin, `event ${name} is defined twice`);
    this.byKey.set(key, renderers);
  }

  has(plugin: string, name: string): boolean {
    return this.byKey.has(`${plugin}/${name}`);
  }

  /**
   * The event's text for a door: the first of the renderings `keys` names
   * (the door's own, then its defaults), one line (control characters
   * removed, so that no renderer can forge a second line); null when the
   * event is unknown here, has none of those renderings, or its renderer
   * failed (logged with the plugin's name).
   */
  render(plugin: string, name: string, keys: readonly string[], data: PluginEventData): string | null {
    const renderers = this.byKey.get(`${plugin}/${name}`);
    if (renderers === undefined) return null;
    const key = keys.find((candidate) => Object.hasOwn(renderers, candidate));
    if (key === undefined) return null;
    try {
      const text: unknown = renderers[key]!(data);
      if (typeof text !== "string") throw new TypeError(`the ${key} rendering of event ${name} returned ${typeof text}, not a string`);
      const line = stripControlCharacters(text);
      return line === "" ? null : line;
    } catch (error) {
      this.logger.error({ plugin, event: name, rendering: key, err: error }, "event renderer failed");
      return null;
    }
  }
}
