/**
 * The architecture's boundaries, checked on every `npm test`.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "core-depends-only-on-ports",
      comment:
        "The core (domain, ports, dispatch) must not know adapters, plugins or the wiring around it: they depend on it, never the reverse.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "core-no-infrastructure",
      comment:
        "The core may use the DI decorators and Buffer, nothing of the outside world: no sockets, no logging library, no CLI parser.",
      severity: "error",
      from: { path: "^src/core/" },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg", "core"],
        pathNot: ["^node_modules/tsyringe/", "^buffer$"],
      },
    },
    {
      name: "plugins-use-the-core-api-only",
      comment: "Plugins talk to the core's API; an adapter or the wiring is none of their business.",
      severity: "error",
      from: { path: "^src/plugins/" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/plugins/"] },
    },
    {
      name: "a-door-is-a-folder",
      comment:
        "Each door (tcp, web, irc, json) is one folder; what doors share lives in folders of its own (socket, websocket, wire, and line: the line protocol's codec, spoken by tcp and web).",
      severity: "error",
      from: { path: "^src/adapters/(irc|tcp|web|json)/" },
      to: { path: "^src/adapters/(irc|tcp|web|json)/", pathNot: "^src/adapters/$1/" },
    },
    {
      name: "doors-come-from-the-list",
      comment:
        "The CLI and the composition root iterate the list of doors (src/doors/doors.ts) and name none: of the adapters, they import only those that are no door.",
      severity: "error",
      from: { path: "^src/(cli|composition-root)\\.ts$" },
      to: { path: "^src/adapters/", pathNot: "^src/adapters/(argon2|clock|in-process|metrics|pino|postgres|prometheus|redis|socket|sqlite|websocket)/" },
    },
    {
      name: "a-door-module-is-in-the-list",
      comment: "A door's module (src/adapters/<door>/module.ts) is imported by the list alone: adding a door is its folder and its line in the list.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/doors/doors\\.ts$" },
      to: { path: "^src/adapters/[^/]+/module\\.ts$" },
    },
    {
      name: "the-list-holds-modules",
      comment: "The list names each door's module, nothing else of a door.",
      severity: "error",
      from: { path: "^src/doors/doors\\.ts$" },
      to: { pathNot: "^src/adapters/[^/]+/module\\.ts$" },
    },
    {
      name: "what-a-door-is-names-no-door",
      comment:
        "What every door implements and uses (src/doors: DoorModule, the flag checks) knows the core's ports, the sockets' TLS identity and the WebSocket doors' type, no door, no list, no CLI: the doors import it.",
      severity: "error",
      from: { path: "^src/doors/", pathNot: "^src/doors/doors\\.ts$" },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/adapters/(socket|websocket)/", "^src/doors/(door-module|flag-checks)\\.ts$"] },
    },
    {
      name: "irc-speaks-no-line-protocol",
      comment: "The IRC door is a codec between IRC and the core's language: it never goes through the line protocol.",
      severity: "error",
      from: { path: "^src/adapters/irc/" },
      to: { path: "^src/adapters/line/" },
    },
    {
      name: "adapters-do-not-know-plugins",
      severity: "error",
      from: { path: "^src/adapters/" },
      to: { path: "^src/plugins/" },
    },
    {
      name: "client-speaks-only-the-protocol",
      comment:
        "The terminal client is a client of the wire protocol: it shares no code with the server, nor with the web client but what both clients share (src/client-shared).",
      severity: "error",
      from: { path: "^src/(client/|client-cli\\.ts$)" },
      to: { path: "^src/", pathNot: "^src/(client|client-shared)/" },
    },
    {
      name: "web-client-speaks-only-the-protocol",
      comment:
        "The web client runs in the browser, a client of the wire protocol: it shares no code with the server, nor with the terminal client but what both clients share (src/client-shared).",
      severity: "error",
      from: { path: "^src/web-client/" },
      to: { path: "^src/", pathNot: "^src/(web-client|client-shared)/" },
    },
    {
      name: "client-shared-stands-alone",
      comment:
        "What both clients share runs in Node and in the browser, and is pure: it imports nothing but its own modules (no Node module, no package, no other code of the project's).",
      severity: "error",
      from: { path: "^src/client-shared/" },
      to: { pathNot: "^src/client-shared/" },
    },
    {
      name: "no-test-kit-in-production",
      comment: "The test kit (src/testing) is for tests; the server itself never loads it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/testing/" },
      to: { path: "^src/testing/" },
    },
    {
      name: "no-circular",
      comment: "Import cycles break module initialisation; cycles made only of type imports vanish at compile time.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    parser: "swc",
  },
};
