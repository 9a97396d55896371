import type { Page } from "playwright-core";
import { browserPerFile, describeBrowser, openChat } from "../support/browser";
import { TcpClient } from "../support/tcp-client";
import { startWebServer, type RunningServer } from "../support/tcp-server";

jest.setTimeout(30_000);

/** Signs in (or signs up) through the page's form, as a user would. */
async function withAccount(page: Page, button: "Sign in" | "Sign up: register this name", name: string, password: string): Promise<void> {
  await page.fill("#account-name", name);
  await page.fill("#password", password);
  await page.getByRole("button", { name: button }).click();
}

/** The list of who is online, as shown: each name with its mark (✓ signed in, or guest). */
function users(page: Page): Promise<string[]> {
  return page.$$eval("#users li", (items) => items.map((item) => item.textContent ?? ""));
}

describeBrowser("signing in to an account in the web client, in Chromium", () => {
  const { browser, pages } = browserPerFile();
  let server: RunningServer;

  afterEach(async () => {
    await server?.app.stop({ graceMs: 100 });
  });

  /** A page in a browser of its own (its own cookies). */
  async function open(): Promise<Page> {
    const page = await openChat(browser(), server.webPort, { query: "?who=1" });
    pages.push(page);
    return page;
  }

  it("signs up, stays signed in across reloads with a cookie no script reads, and signs out to be a guest again", async () => {
    server = await startWebServer();
    const page = await open();
    await withAccount(page, "Sign up: register this name", "alice", "open sesame");
    await page.getByText("Connected as alice", { exact: true }).waitFor();
    const bob = await TcpClient.login(server.port, "bob");
    await page.getByRole("button", { name: "Write to bob, a guest" }).waitFor();
    expect(await users(page)).toEqual(["alice (you) ✓", "bob guest"]);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "chat_sign_in", httpOnly: true, sameSite: "Strict", secure: false, path: "/" });
    expect(await page.evaluate(() => document.cookie)).toBe("");

    // A reload resumes the session; one after leaving signs in again by the cookie.
    await page.reload();
    await page.getByText("Connected as alice", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Leave" }).click();
    await page.getByText("You left the chat.", { exact: true }).waitFor();
    expect(await bob.readLine()).toBe("INFO alice disconnected");
    await page.reload();
    await page.getByText("Connected as alice", { exact: true }).waitFor();
    bob.send("WHO profiles");
    expect(await bob.readLines(3)).toEqual(["USER bob *", "USER alice alice", "END WHO"]);

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.getByText("You signed out.", { exact: true }).waitFor();
    expect(await bob.readLine()).toBe("INFO alice disconnected");
    await page.reload();
    await page.locator("#name").waitFor();
    expect(await page.locator("#signed-in").isHidden()).toBe(true);
    // A guest may not take the name.
    await page.fill("#name", "alice");
    await page.press("#name", "Enter");
    await page.locator("#login-error").getByText("That name is registered: sign in with its password to use it, or pick another.").waitFor();
    await withAccount(page, "Sign in", "alice", "wrong");
    await page.locator("#login-error").getByText("Wrong name or password.").waitFor();
    await withAccount(page, "Sign in", "alice", "open sesame");
    await page.getByText("Connected as alice", { exact: true }).waitFor();
  });

  it("signing out everywhere from another browser ends the account's session there, which says so", async () => {
    server = await startWebServer();
    const phone = await open();
    await withAccount(phone, "Sign up: register this name", "alice", "pw");
    await phone.getByText("Connected as alice", { exact: true }).waitFor();

    // The laptop signs in; the name is held by the phone's session.
    const laptop = await open();
    await withAccount(laptop, "Sign in", "alice", "pw");
    await laptop
      .locator("#login-error")
      .getByText("You are in the chat elsewhere (another tab or device): that session holds your name. Sign out everywhere to end it.")
      .waitFor();
    await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
    await phone.locator("#login-error").getByText("Signed out: your account was signed out everywhere.").waitFor();
    await laptop.getByText("You signed out everywhere.", { exact: true }).waitFor();
    // Neither is signed in any more: both offer to join as a guest or with an account.
    for (const page of [phone, laptop]) {
      await page.locator("#account-form").waitFor();
      expect(await page.locator("#signed-in").isHidden()).toBe(true);
    }
    await withAccount(laptop, "Sign in", "alice", "pw");
    await laptop.getByText("Connected as alice", { exact: true }).waitFor();
  });
});
