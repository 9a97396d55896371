import { inject, injectable } from "tsyringe";
import type { ChatMessage, DeliveredMessage, DisconnectEvent, LoginEvent, MessageVerdict, RenameEvent } from "./plugin-api";
import type { LoggerPort } from "./ports/logger.port";
import { error, type Reply } from "./language";
import { relayableText } from "./text";
import { isThenable } from "./thenable";
import { TOKENS } from "./tokens";

interface Registered<Hook> {
  readonly plugin: string;
  readonly hook: Hook;
}

type LoginHook = (event: LoginEvent) => void | Promise<void>;
type DisconnectHook = (event: DisconnectEvent) => void | Promise<void>;
type RenameHook = (event: RenameEvent) => void | Promise<void>;
type BeforeMessageHook = (message: ChatMessage) => MessageVerdict | Promise<MessageVerdict>;
type MessageHook = (message: DeliveredMessage) => void | Promise<void>;

/** The final word on a message: the text to deliver, or the answer that refuses it. */
export type MessageDecision = { readonly text: string; readonly refuse?: undefined } | { readonly refuse: Reply };

const INTERNAL_ERROR = Object.freeze({ refuse: error("internal-error") });
const EMPTY_MESSAGE = Object.freeze({ refuse: error("empty-message") });


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
  private readonly rename: Registered<RenameHook>[] = [];
  private readonly before: Registered<BeforeMessageHook>[] = [];
  private readonly after: Registered<MessageHook>[] = [];

  constructor(@inject(TOKENS.Logger) private readonly logger: LoggerPort) {}

  addLogin(plugin: string, hook: LoginHook): void {
    this.login.push({ plugin, hook });
  }

  addDisconnect(plugin: string, hook: DisconnectHook): void {
    this.disconnect.push({ plugin, hook });
  }

  addRename(plugin: string, hook: RenameHook): void {
    this.rename.push({ plugin, hook });
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

  /** Whether any plugin listens to delivered messages: without one, nothing is made for them. */
  get hasMessageHooks(): boolean {
    return this.after.length > 0;
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
    this.runInTurn(this.disconnect, "onDisconnect", event);
  }

  runRename(event: RenameEvent): void {
    this.runInTurn(this.rename, "onRename", event);
  }

  /** Runs hooks one after another, each waited for, without the caller waiting for them. */
  private runInTurn<Event>(hooks: readonly Registered<(event: Event) => void | Promise<void>>[], name: string, event: Event): void {
    if (hooks.length === 0) return;
    void (async () => {
      for (const { plugin, hook } of hooks) {
        try {
          await hook(event);
        } catch (error) {
          this.failed(plugin, name, error);
        }
      }
    })();
  }

  /** Passes the message through every `beforeMessage` hook; synchronous while they are. */
  decide(message: ChatMessage): MessageDecision | Promise<MessageDecision> {
    return this.decideFrom(0, message);
  }

  runMessage(message: DeliveredMessage): void {
    for (const { plugin, hook } of this.after) {
      try {
        const result: unknown = hook(message);
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.failed(plugin, "onMessage", error));
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
        return INTERNAL_ERROR;
      }
      if (isThenable(verdict)) {
        const at = current;
        return Promise.resolve(verdict).then(
          (settled) => this.continueAfter(i, plugin, at, settled),
          (error: unknown) => {
            this.failed(plugin, "beforeMessage", error);
            return INTERNAL_ERROR;
          },
        );
      }
      const next = this.apply(plugin, current, verdict);
      if ("refuse" in next) return next;
      current = next;
    }
    return { text: current.text };
  }

  private continueAfter(index: number, plugin: string, message: ChatMessage, verdict: unknown): MessageDecision | Promise<MessageDecision> {
    const next = this.apply(plugin, message, verdict);
    return "refuse" in next ? next : this.decideFrom(index + 1, next);
  }

  /**
   * Applies one hook's verdict. What a hook returns is checked like input:
   * a refusal must be an error with a code (or, as before replies were
   * typed, a line), a new text is made relayable again (no control
   * characters, so no forged lines) and must not be empty.
   */
  private apply(plugin: string, message: ChatMessage, verdict: unknown): ChatMessage | { readonly refuse: Reply } {
    if (verdict === undefined) return message;
    const { text, refuse } = (verdict ?? {}) as { text?: unknown; refuse?: unknown };
    const refusal = refusalOf(refuse);
    if (refusal !== null) return { refuse: refusal };
    if (refuse === undefined && typeof text === "string") {
      const relayable = relayableText(text);
      return relayable === "" ? EMPTY_MESSAGE : { ...message, text: relayable };
    }
    this.failed(plugin, "beforeMessage", new TypeError(`a verdict is nothing, { text } or { refuse: { kind: "error", code } }; got ${JSON.stringify(verdict)}`));
    return INTERNAL_ERROR;
  }

  private failed(plugin: string, hook: string, error: unknown): void {
    this.logger.error({ plugin, hook, err: error }, "hook failed");
  }
}

const CODE = /^[a-z][a-z0-9-]{0,63}$/;

/** A hook's refusal as an answer: an error with a valid code (its subject made relayable), or a line of text; null when it is neither. */
function refusalOf(refuse: unknown): Reply | null {
  if (typeof refuse === "string") {
    const text = relayableText(refuse);
    return text === "" ? null : { kind: "text", text };
  }
  const { kind, code, subject } = (refuse ?? {}) as { kind?: unknown; code?: unknown; subject?: unknown };
  if (kind !== "error" || typeof code !== "string" || !CODE.test(code)) return null;
  const relayable = typeof subject === "string" ? relayableText(subject) : "";
  return error(code, relayable === "" ? undefined : relayable);
}
