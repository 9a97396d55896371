import { run } from "../../src/cli";
import { DOORS } from "../../src/doors/doors";
import { ECHO_DOOR } from "./echo-door";

/**
 * The CLI with the echo door at the end of the list, as many times as
 * $ECHO_DOORS says (once if unset): twice, its flag is declared twice,
 * which the CLI refuses.
 */
run([...DOORS, ...Array<typeof ECHO_DOOR>(Number(process.env.ECHO_DOORS ?? 1)).fill(ECHO_DOOR)]);
