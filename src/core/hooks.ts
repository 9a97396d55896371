import { inject, injectable } from "tsyringe";
import type { ChatMessage, DisconnectEvent, LoginEvent, MessageVerdict } from "./plugin-api";
import type { LoggerPort } from "./ports/logger.port";
import { TOKENS } from "./tokens";

interface Registered<Hook> {
  readonly plugin: string;
  readonly hook: Hook;
}

type LoginHook = (event: LoginEvent) => void | Promise<void>;
type DisconnectHook = (event: DisconnectEvent) => void | Promise<void>;
type BeforeMessageHook = (message: ChatMessage) => MessageVerdict | Promise<MessageVerdict>;
type MessageHook = (message: ChatMessage) => void;

/** The final word on a message: the text to deliver, or the line that refuses it. */
export type MessageDecision = { readonly text: string; readonly refuse?: undefined } | { readonly refuse: string };

const INTERNAL_ERROR = "ERR internal-error";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

/**
 * The plugins' event hooks, run in plugin order. Each is isolated: one that
 * throws or rejects is logged with its plugin's name and the rest go on; a
 * failing `beforeMessage` hook refuses the message rather than let it
 * through unchecked.
 */
@injectable()
export class PluginHooks {
  private readonly login: Registered<LoginHook>[] = [];
  private readonly disconnect: Registered<DisconnectHook>[] = [];
  private readonly before: Registered<BeforeMessageHook>[] = [];
  private readonly after: Registered<MessageHook>[] = [];

  constructor(@inject(TOKENS.Logger) private readonly logger: LoggerPort) {}

  addLogin(plugin: string, hook: LoginHook): void {
    this.login.push({ plugin, hook });
  }

  addDisconnect(plugin: string, hook: DisconnectHook): void {
    this.disconnect.push({ plugin, hook });
  }

  addBeforeMessage(plugin: string, hook: BeforeMessageHook): void {
    this.before.push({ plugin, hook });
  }

  addMessage(plugin: string, hook: MessageHook): void {
    this.after.push({ plugin, hook });
  }

  get hasLoginHooks(): boolean {
    return this.login.length > 0;
  }

  /** Runs the login hooks one after another; resolves when all are done. */
  async runLogin(event: LoginEvent): Promise<void> {
    for (const { plugin, hook } of this.login) {
      try {
        await hook(event);
      } catch (error) {
        this.failed(plugin, "onLogin", error);
      }
    }
  }

  runDisconnect(event: DisconnectEvent): void {
    if (this.disconnect.length === 0) return;
    void (async () => {
      for (const { plugin, hook } of this.disconnect) {
        try {
          await hook(event);
        } catch (error) {
          this.failed(plugin, "onDisconnect", error);
        }
      }
    })();
  }

  /** Passes the message through every `beforeMessage` hook; synchronous while they are. */
  decide(message: ChatMessage): MessageDecision | Promise<MessageDecision> {
    return this.decideFrom(0, message);
  }

  runMessage(message: ChatMessage): void {
    for (const { plugin, hook } of this.after) {
      try {
        hook(message);
      } catch (error) {
        this.failed(plugin, "onMessage", error);
      }
    }
  }

  private decideFrom(index: number, message: ChatMessage): MessageDecision | Promise<MessageDecision> {
    let current = message;
    for (let i = index; i < this.before.length; i++) {
      const { plugin, hook } = this.before[i]!;
      let verdict: MessageVerdict | Promise<MessageVerdict>;
      try {
        verdict = hook(current);
      } catch (error) {
        this.failed(plugin, "beforeMessage", error);
        return { refuse: INTERNAL_ERROR };
      }
      if (isThenable(verdict)) {
        const at = current;
        return Promise.resolve(verdict).then(
          (settled) => this.continueAfter(i, at, settled),
          (error: unknown) => {
            this.failed(plugin, "beforeMessage", error);
            return { refuse: INTERNAL_ERROR };
          },
        );
      }
      if (verdict !== undefined && "refuse" in verdict) return { refuse: verdict.refuse };
      if (verdict !== undefined) current = { ...current, text: verdict.text };
    }
    return { text: current.text };
  }

  private continueAfter(index: number, message: ChatMessage, verdict: MessageVerdict): MessageDecision | Promise<MessageDecision> {
    if (verdict !== undefined && "refuse" in verdict) return { refuse: verdict.refuse };
    return this.decideFrom(index + 1, verdict === undefined ? message : { ...message, text: verdict.text });
  }

  private failed(plugin: string, hook: string, error: unknown): void {
    this.logger.error({ plugin, hook, err: error }, "hook failed");
  }
}
