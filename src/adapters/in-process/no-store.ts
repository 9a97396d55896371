import type { StorePort } from "../../core/ports/store.port";

/** A server that keeps nothing (`--database none`): no accounts, everyone a guest. */
export const NO_STORE: StorePort = Object.freeze({
  accounts: null,
  browserSignIns: null,
  description: "none",
  close: () => Promise.resolve(),
});
