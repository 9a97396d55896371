// Lets a Node process load the project's TypeScript as jest does (the same
// swc options): for a program a test runs from its sources, such as the CLI
// with a test's own door (`node -r ./test/support/require-ts.js file.ts`).
const { readFileSync } = require("node:fs");
const { transformSync } = require("@swc/core");
const { transform } = require("../../jest.config.js");

const [, options] = transform["^.+\\.ts$"];

require.extensions[".ts"] = (module, filename) => {
  module._compile(transformSync(readFileSync(filename, "utf8"), { ...options, filename }).code, filename);
};
