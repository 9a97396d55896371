/**
 * Lays the web client out in dist/web as the server serves it: one folder,
 * each file by its name alone (src/adapters/web/static-files.ts). tsc
 * compiles the page's modules, and the modules it shares with chat-client
 * (src/client-shared), into dist/web-modules, each in its own folder; here
 * they are put side by side, each import of a shared module made to name it
 * there, and the page's other files are copied beside them. (No source map:
 * the server would not serve one.)
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const here = import.meta.dirname;
const modules = join(here, "..", "..", "dist", "web-modules");
const web = join(here, "..", "..", "dist", "web");

// Laid out afresh, so that a module renamed or removed is not served still.
rmSync(web, { recursive: true, force: true });
mkdirSync(web);
for (const folder of ["web-client", "client-shared"]) {
  for (const name of readdirSync(join(modules, folder))) {
    const code = readFileSync(join(modules, folder, name), "utf8").replace(/(from ")\.\.\/client-shared\//g, "$1./");
    if (code.includes('from "../')) throw new Error(`${folder}/${name} imports a module from a folder the page does not have`);
    // "wx": a module of one folder does not overwrite one of the same name from the other.
    writeFileSync(join(web, name), code, { flag: "wx" });
  }
}
rmSync(modules, { recursive: true });
for (const name of readdirSync(here).filter((name) => /\.(html|css|svg)$/.test(name))) copyFileSync(join(here, name), join(web, name));
