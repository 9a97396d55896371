import type { DeliveryPort, Recipient } from "../../core/ports/delivery.port";
import { usernameKey } from "../../core/protocol/text";

/** Delivery within this process: every recipient is a local session. */
export class InProcessDelivery implements DeliveryPort {
  private readonly byName = new Map<string, Recipient>();

  attach(username: string, recipient: Recipient): void {
    this.byName.set(usernameKey(username), recipient);
  }

  detach(username: string, recipient: Recipient): void {
    const key = usernameKey(username);
    if (this.byName.get(key) === recipient) this.byName.delete(key);
  }

  broadcast(line: Uint8Array, except?: Recipient): void {
    for (const recipient of this.byName.values()) {
      if (recipient !== except) recipient.deliver(line);
    }
  }

  sendTo(username: string, line: Uint8Array): Promise<boolean> {
    const recipient = this.byName.get(usernameKey(username));
    recipient?.deliver(line);
    return Promise.resolve(recipient !== undefined);
  }
}
