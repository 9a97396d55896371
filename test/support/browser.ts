import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium; CI installs it (.ci/run). */
const CHROMIUM = "/usr/bin/chromium";

/** Whether browser tests can run here; elsewhere than CI they are skipped, with a warning, without it. */
export const browserInstalled = existsSync(CHROMIUM);

if (!browserInstalled && process.env.CI !== "true") {
  console.warn(`${CHROMIUM} is not installed: the browser tests are skipped (apt-get install chromium)`);
}

export const describeBrowser = browserInstalled || process.env.CI === "true" ? describe : describe.skip;

/**
 * Headless Chromium that reaches nothing but the test's servers (Playwright
 * adds --no-sandbox as root), with the back-forward cache on, as a user's
 * browser has it (Playwright turns it off).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
    ignoreDefaultArgs: ["--disable-back-forward-cache"],
  });
}

/** A page of the web client at `port`, failing the test on any error the page throws. */
export async function openChat(browser: Browser, port: number, options: { query?: string; width?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1100, height: 700 } });
  // Shorter than the test's own timeout, so that a failure names the step that waited.
  context.setDefaultTimeout(5000);
  const page = watched(await context.newPage());
  await page.goto(`http://127.0.0.1:${port}/${options.query ?? ""}`);
  return page;
}

/**
 * What the browser's "Duplicate tab" makes of `page`: a new tab in the same
 * profile, at the same address, starting with a copy of the tab's
 * sessionStorage as it is now.
 */
export async function duplicateTab(page: Page): Promise<Page> {
  const storage = await page.evaluate(() => Object.entries(sessionStorage));
  const duplicate = watched(await page.context().newPage());
  await duplicate.addInitScript((entries) => {
    for (const [key, value] of entries) sessionStorage.setItem(key, value);
  }, storage);
  await duplicate.goto(page.url());
  return duplicate;
}

/** Records the errors the page throws and the dialogs it opens (see pageErrors). */
function watched(page: Page): Page {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("dialog", (dialog) => errors.push(`a dialog opened: ${dialog.message()}`));
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

/** Logs in through the form, as a user would, and waits for the page to say so. */
export async function logIn(page: Page, name: string): Promise<void> {
  await page.fill("#name", name);
  await page.press("#name", "Enter");
  await page.getByText(`Connected as ${name}`, { exact: true }).waitFor();
}

/** Writes a message in the open conversation and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
}

/** The lines of the open conversation as shown: "who: text", or the notice; a message not taken with what it says of it in brackets. */
export function logLines(page: Page): Promise<string[]> {
  return page.$$eval("#log li", (items) =>
    items.map((item) => {
      const from = item.querySelector(".from")?.textContent;
      const text = item.querySelector(".text")?.textContent ?? "";
      const delivery = item.querySelector(".delivery")?.textContent;
      return `${from ? `${from}: ${text}` : text}${delivery ? ` [${delivery}]` : ""}`;
    }),
  );
}

/** Errors the page threw, dialogs it opened. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors: string[] }).errors;
}

/**
 * The browser a describe block's tests share, and the pages they open:
 * after each test, every page is checked for script errors (none) and
 * closed with its context.
 */
export function browserPerFile(): { browser(): Browser; readonly pages: Page[] } {
  let browser: Browser;
  const pages: Page[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser.close());
  afterEach(async () => {
    for (const page of pages.splice(0)) {
      expect(pageErrors(page)).toEqual([]);
      await page.context().close();
    }
  });
  return { browser: () => browser, pages };
}
