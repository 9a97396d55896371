/**
 * `npm run irctest`: irctest (test/irctest/suite, an unmodified snapshot of
 * progval/irctest) against the IRC door, through the controller beside this
 * file (chatserver.py). Builds the server if src/ changed since dist/ was
 * built, runs the suite's basic files from a copy (pytest writes caches
 * beside the tests), prints per file what passed, failed and was skipped
 * (with the names of the tests that failed or were skipped, and why), and
 * fails when the totals are worse than threshold.json.
 *
 * `npm run irctest -- who names` runs those files only (no threshold then).
 * Without python3 or pytest it warns and succeeds, unless CI is set.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const here = import.meta.dirname;
const root = join(here, "..", "..");

/** The files docs/IRC.md counts, as irctest/server_tests/<name>.py. */
const BASIC = ["connection_registration", "messages", "pingpong", "quit", "who", "names", "join", "part", "buffering", "isupport", "lusers"];
const MARKERS = "not Ergo and not deprecated and not strict and not services";

function fail(message) {
  console.error(`irctest: ${message}`);
  process.exit(1);
}

/** Without Python's pytest the suite cannot run: a warning on a developer's machine, a failure in CI. */
function checkPytest() {
  const probe = spawnSync("python3", ["-m", "pytest", "--version"], { encoding: "utf8" });
  if (probe.status === 0) return;
  const why = probe.error === undefined ? "python3 -m pytest is not installed" : "python3 is not installed";
  if (process.env.CI === "true") fail(`${why}: the conformance suite cannot run`);
  console.warn(`irctest: ${why}; skipping the conformance suite (install python3-pytest to run it)`);
  process.exit(0);
}

/** The newest modification time under a folder. */
function newest(folder) {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/** dist/ is built from src/: built again when missing or older than a source file. */
function buildIfNeeded() {
  const cli = join(root, "dist", "cli.js");
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(root, "src"))) return;
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) fail("the build failed");
}

const ENTITIES = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };

function unescapeXml(text) {
  return text.replace(/&(?:#(\d+)|(lt|gt|quot|apos|amp));/g, (_, code, name) => (code === undefined ? ENTITIES[name] : String.fromCodePoint(Number(code))));
}

function attribute(tag, name) {
  const found = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return found === null ? "" : unescapeXml(found[1]);
}

/**
 * The tests of pytest's JUnit report, each with its file (the module's last
 * name), its name (Class.test), its outcome and, for a failure or a skip,
 * the start of why, on one line.
 */
function readReport(path) {
  const xml = readFileSync(path, "utf8");
  const tests = [];
  for (const [, open, body] of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const classname = attribute(open, "classname").split(".");
    const outcome = /<(failure|error)\b([^>]*)/.exec(body ?? "") ?? /<(skipped)\b([^>]*)/.exec(body ?? "");
    tests.push({
      file: classname.at(-2),
      name: `${classname.at(-1)}.${attribute(open, "name")}`,
      outcome: outcome === null ? "passed" : outcome[1] === "skipped" ? "skipped" : "failed",
      why: outcome === null ? "" : attribute(outcome[2], "message").replace(/\s+/g, " ").slice(0, 200),
    });
  }
  return tests;
}

function printReport(files, tests) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    const mine = tests.filter((test) => test.file === file);
    const count = (outcome) => mine.filter((test) => test.outcome === outcome).length;
    const counts = { passed: count("passed"), failed: count("failed"), skipped: count("skipped") };
    for (const outcome of Object.keys(totals)) totals[outcome] += counts[outcome];
    console.log(`${file}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    for (const test of mine.filter((test) => test.outcome !== "passed")) console.log(`  ${test.outcome.toUpperCase()} ${test.name}: ${test.why}`);
  }
  console.log(`total: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  return totals;
}

checkPytest();
const files = process.argv.length > 2 ? process.argv.slice(2) : BASIC;
for (const file of files) if (!existsSync(join(here, "suite", "irctest", "server_tests", `${file}.py`))) fail(`no such file: irctest/server_tests/${file}.py`);
buildIfNeeded();

const work = mkdtempSync(join(tmpdir(), "irctest-"));
try {
  cpSync(join(here, "suite"), join(work, "suite"), { recursive: true });
  const report = join(work, "report.xml");
  const pytest = spawnSync(
    "python3",
    ["-m", "pytest", "--controller", "chatserver", "-p", "no:cacheprovider", "-q", "--tb=no", "-m", MARKERS, `--junitxml=${report}`, ...files.map((file) => `irctest/server_tests/${file}.py`)],
    {
      cwd: join(work, "suite"),
      env: { ...process.env, PYTHONPATH: here, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  // pytest exits 1 when tests fail: the counts below decide.
  if (!existsSync(report)) fail(`pytest ended (status ${pytest.status}) without a report`);
  const totals = printReport(files, readReport(report));
  if (files !== BASIC) process.exit(0);
  const threshold = JSON.parse(readFileSync(join(here, "threshold.json"), "utf8"));
  if (totals.passed < threshold.passed || totals.failed > threshold.failed) {
    fail(`worse than test/irctest/threshold.json (at least ${threshold.passed} passed, at most ${threshold.failed} failed)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
