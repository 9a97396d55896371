import { readdirSync, readFileSync } from "node:fs";
import { Argon2Passwords } from "../../../src/adapters/argon2/argon2-passwords";

/** The nice values of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNiceValues(): number[] {
  return readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

describe("argon2id passwords, on threads of their own", () => {
  let passwords: Argon2Passwords;
  afterEach(() => passwords.close());

  it("hashes in the PHC form with its parameters, and verifies only the password hashed", async () => {
    passwords = new Argon2Passwords(2);
    const hash = await passwords.hash("open sesame");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await Promise.all([passwords.verify(hash, "open sesame"), passwords.verify(hash, "open sesame!"), passwords.verify("damaged", "open sesame")])).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("runs more jobs than threads in turn, each answered, on threads below the event loop's priority (nice 10)", async () => {
    const before = threadNiceValues().filter((nice) => nice === 10).length;
    passwords = new Argon2Passwords(1);
    const hashes = await Promise.all(["a", "b", "c"].map((password) => passwords.hash(password)));
    expect(await Promise.all(hashes.map((hash, i) => passwords.verify(hash, ["a", "b", "c"][i]!)))).toEqual([true, true, true]);
    expect(threadNiceValues().filter((nice) => nice === 10).length).toBe(before + 1);
  });

  it("fails the job of a thread that died, and a new thread takes the jobs waiting and those after", async () => {
    passwords = new Argon2Passwords(1);
    const first = passwords.hash("first");
    const second = passwords.hash("second");
    // The one thread dies (as out of memory would end it) while it hashes the first.
    const [thread] = (passwords as unknown as { all: import("node:worker_threads").Worker[] }).all;
    const dead = thread!.terminate();
    thread!.emit("error", new Error("worker out of memory"));
    await dead;
    await expect(first).rejects.toThrow("hashing failed: Error: worker out of memory");
    expect(await passwords.verify(await second, "second")).toBe(true);
    expect(await passwords.verify(await passwords.hash("third"), "third")).toBe(true);
  });
});
