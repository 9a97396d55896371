/**
 * The web client: the line protocol over a WebSocket to the server that
 * served this page, one text frame per line. Text from the wire is only
 * ever set as text (textContent), never parsed as markup.
 */
import { escapeEveryone } from "../client-shared/escape.js";
import { answerTo, NAME_AGAIN_MS, Reconnection, TRY_FOR_MS } from "../client-shared/reconnection.js";
import { ChatModel, directWith, LOBBY, type ChatLine, type ConversationId, type Pending } from "./chat.js";
import { describeError, parseLine, ROOM, type ServerEvent } from "./protocol.js";

const KEEPALIVE_MS = 20_000;
const query = new URLSearchParams(location.search);
/** `?who=<seconds>` sets how often the list of who is online is asked for (tests, debugging). */
const WHO_SECONDS = Number(query.get("who")) || null;
/** How long the page tries to get back (TRY_FOR_MS); `?restart=<seconds>` sets it (tests of a server that does not come back). */
const TRYING_MS = Number(query.get("restart")) * 1000 || TRY_FOR_MS;
/** Where a page going away leaves its session to the tab's next page (see the pagehide listener). */
const HANDED_OVER = "chat.session";
/** What a signed-in browser is told when its account's name is held by a session elsewhere. */
const ALREADY_IN = "You are in the chat elsewhere (another tab or device): that session holds your name. Sign out everywhere to end it.";

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

const ui = {
  status: byId<HTMLParagraphElement>("status"),
  menu: byId<HTMLButtonElement>("menu"),
  leave: byId<HTMLButtonElement>("leave"),
  sidebar: byId<HTMLElement>("sidebar"),
  conversations: byId<HTMLUListElement>("conversations"),
  roomsSection: byId<HTMLElement>("rooms-section"),
  rooms: byId<HTMLUListElement>("rooms"),
  joinForm: byId<HTMLFormElement>("join-form"),
  joinName: byId<HTMLInputElement>("join-name"),
  onlineCount: byId<HTMLSpanElement>("online-count"),
  users: byId<HTMLUListElement>("users"),
  title: byId<HTMLHeadingElement>("conversation-title"),
  part: byId<HTMLButtonElement>("part"),
  log: byId<HTMLOListElement>("log"),
  composer: byId<HTMLFormElement>("composer"),
  message: byId<HTMLInputElement>("message"),
  send: byId<HTMLButtonElement>("composer").querySelector("button") as HTMLButtonElement,
  login: byId<HTMLElement>("login"),
  loginForm: byId<HTMLFormElement>("login-form"),
  name: byId<HTMLInputElement>("name"),
  loginError: byId<HTMLParagraphElement>("login-error"),
  accountForm: byId<HTMLFormElement>("account-form"),
  accountName: byId<HTMLInputElement>("account-name"),
  password: byId<HTMLInputElement>("password"),
  signUp: byId<HTMLButtonElement>("sign-up"),
  signedIn: byId<HTMLElement>("signed-in"),
  accountShown: byId<HTMLElement>("account-name-shown"),
  joinAccount: byId<HTMLButtonElement>("join-account"),
  accountControls: byId<HTMLElement>("account-controls"),
  signOut: byId<HTMLButtonElement>("sign-out"),
  signOutEverywhere: byId<HTMLButtonElement>("sign-out-everywhere"),
};

const model = new ChatModel();
let socket: WebSocket | null = null;
/**
 * The account this browser is signed in to, as the server says (its
 * cookie, which no script on the page can read, is sent with every
 * request and with the WebSocket's); null when it is signed in to none.
 */
let account: string | null = null;
/** The name to log in with when (re)connected; null until the user gave one. */
let wantedName: string | null = null;
/**
 * The session's resume token and how many lines came after its line: after
 * a dropped connection the page resumes the session (docs/PROTOCOL.md)
 * instead of logging in again, and misses nothing. Null when there is no
 * session to resume.
 */
let resumable: { token: string; received: number } | null = null;
/** A RESUME was sent and not answered yet. */
let resuming = false;
/** This page took its session over from the tab's previous page (a reload): it knows nothing of it but its name and rooms yet. */
let handedOver = false;
/** Logging in again after the session was lost: once in, the page says that what was said meanwhile was missed. */
let afresh = false;
/** Trying to get back since the connection or the session was lost (the rules both clients share); null otherwise. */
let reconnection: Reconnection | null = null;
/** Rooms to join again after a reconnection. */
const wantedRooms = new Set<string>();
let statusText = "Connecting…";
/**
 * The last line read on the connection: if it was a farewell, the server
 * closed the connection after it, and it says what the close means (a
 * restart, or the end of the session).
 */
let lastLine = "";
let userLeft = false;
/** What the status line says once the user's leaving is done (Leave, Sign out). */
let leftSaying = "You left the chat.";
let lastSent = 0;
let lastWho = 0;
let timers: number[] = [];
let whoTimer: number | undefined;
let countdown: number | undefined;
/** What the log shows: which conversation, how many of its lines. */
let drawn: { id: ConversationId; lines: ChatLine[]; count: number } | null = null;
/** The log's element of each message of this page's, to redraw when its delivery changes. */
const drawnLines = new WeakMap<ChatLine, HTMLLIElement>();

/** Sends a line if connected; whether it was sent. */
function send(line: string): boolean {
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(line);
  lastSent = Date.now();
  return true;
}

/** Sends a command and awaits its answer (see Pending), if it was sent; whether it was. */
function request(line: string, pending: Pending): boolean {
  if (!send(line)) return false;
  model.pending.push(pending);
  return true;
}

/** Who is online, and the account each is signed in to: the list marks who is signed in. */
function askWho(): void {
  lastWho = Date.now();
  request("WHO profiles", { verb: "WHO" });
}

function askRooms(): void {
  if (model.roomsOn !== false) request("ROOMS", { verb: "ROOMS" });
}

function connect(): void {
  takeHandedOver();
  lastLine = "";
  // A session to resume keeps what the page knows (who is online, the rooms, commands awaiting an answer).
  if (resumable === null) {
    if (model.me !== null) loseSession();
    model.reset();
  }
  setStatus("Connecting…");
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    setStatus("Connected");
    if (resumable !== null) {
      resuming = true;
      send(`RESUME ${resumable.token} ${resumable.received}`);
    } else if (wantedName !== null) {
      logIn(wantedName);
    } else {
      draw();
    }
  };
  ws.onmessage = (event: MessageEvent<unknown>) => {
    if (typeof event.data === "string") received(event.data);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    stopTimers();
    resuming = false;
    const next = userLeft ? null : Reconnection.after(lastLine, reconnection, Date.now(), TRYING_MS);
    if (next === null) {
      // The user left, or the server ended the session, and said why (QUIT's bye, idleness, a page too far behind, signed out everywhere).
      const farewell = parseLine(lastLine);
      // Every browser of the account is signed out, this one too.
      if (farewell.kind === "ended" && farewell.code === "signed-out") account = null;
      if (farewell.kind === "ended") end(describeError(farewell.code, farewell.subject));
      else stop(leftSaying);
    } else {
      // A restart ended the session: there is nothing to resume.
      if (next.restart) resumable = null;
      reconnection = next;
      reconnectLater(next);
    }
    draw();
  };
}

function logIn(name: string): void {
  request(`LOGIN ${name}`, { verb: "LOGIN", subject: name });
}

/** The session is gone (a restart, a refused resume): the page logs in again, and says once in that what was said meanwhile was missed. */
function loseSession(): void {
  afresh = true;
  // A page that took its session over from the tab's previous page (a reload), and was refused its resume, is getting back too.
  reconnection ??= new Reconnection(Date.now(), false, TRYING_MS);
}

/** No more reconnecting (the user left, or the session ended): the page forgets the session and waits for a name. */
function stop(status: string): void {
  resumable = null;
  reconnection = null;
  model.reset();
  setStatus(status);
}

/** The session ended: the page says why and offers to join again, the name filled in. */
function end(why: string): void {
  stop(why);
  model.loginError = why;
  if (wantedName !== null) ui.name.value = wantedName;
  wantedName = null;
}

function received(line: string): void {
  const now = new Date();
  lastLine = line;
  const event = parseLine(line);
  if (resumeLine(line, event, now)) return draw();
  if (resumable !== null) resumable.received++;
  const wasIn = model.me !== null;
  const loggingIn = model.pending[0]?.verb === "LOGIN";
  model.apply(event, now);
  if (wasIn && model.me !== null && model.me !== wantedName) renamed(model.me);
  if (!wasIn && model.me !== null) loggedIn();
  else if (loggingIn && model.pending[0]?.verb !== "LOGIN" && model.me === null) {
    if (answerTo("LOGIN", line) === "taken" && reconnection?.asksNameAgain(Date.now()) && wantedName !== null) {
      // Logging in again after the session was lost: the name is ours until
      // the server lets go of the old session (its node died, and its lease
      // has not run out yet). Asked again shortly.
      const name = wantedName;
      model.loginError = null;
      setStatus("Reconnecting…");
      timers.push(window.setTimeout(() => logIn(name), NAME_AGAIN_MS));
    } else {
      // The account's name is held by its own session elsewhere (another tab, another device).
      if (answerTo("LOGIN", line) === "taken" && wantedName === account) model.loginError = ALREADY_IN;
      // Refused: the user picks another name.
      wantedName = null;
      wantedRooms.clear();
      reconnection = null;
    }
  }
  if (event.kind === "users-end") scheduleWho();
  draw();
}

/** The lines of resuming a session; whether `line` (read as `event`) was one of them. */
function resumeLine(line: string, event: ServerEvent, now: Date): boolean {
  switch (event.kind) {
    case "token":
      resumable = { token: event.token, received: 0 };
      model.apply(event, now);
      return true;
    case "resumed":
      resuming = false;
      resumable = { token: event.token, received: 0 };
      model.apply(event, now);
      online();
      // Its answer comes after every answer to what was sent before the drop
      // (replayed): what is still unanswered then never will be.
      request("RESUMABLE", { verb: "RESUMABLE" });
      if (handedOver) {
        handedOver = false;
        for (const room of wantedRooms) model.joined.add(room);
        askWho();
        askRooms();
      }
      return true;
  }
  if (!resuming) return false;
  // Any other answer to the RESUME: RESUMED is read above.
  switch (answerTo("RESUME", line)) {
    case "restart":
      // A farewell: the close that follows waits for the server.
      return false;
    case "again":
      // The node holding the session did not answer (a cluster's): asked again on the next connection.
      socket?.close();
      return true;
    default:
      // Too late, or too much was missed: log in again, as after a restart.
      resuming = false;
      resumable = null;
      loseSession();
      model.reset();
      if (wantedName !== null) logIn(wantedName);
      return true;
  }
}

/** Logged in, or resumed: the status, and the keepalive. */
function online(): void {
  reconnection = null;
  setStatus(`Connected as ${model.me}`);
  timers.push(
    window.setInterval(() => {
      if (Date.now() - lastSent >= KEEPALIVE_MS) request("PING", { verb: "PING" });
    }, KEEPALIVE_MS / 2),
  );
}

function loggedIn(): void {
  online();
  request("RESUMABLE", { verb: "RESUMABLE" });
  askWho();
  askRooms();
  for (const room of wantedRooms) request(`JOIN ${room}`, { verb: "JOIN", subject: room });
  if (afresh) {
    afresh = false;
    model.notice(LOBBY, `Reconnected as ${model.me}; what was said meanwhile was missed.`, new Date());
  }
}

/** The server renamed this user (`/nick`): a reconnection logs in under the new name. */
function renamed(name: string): void {
  wantedName = name;
  setStatus(`Connected as ${name}`);
}

/**
 * Logins are not announced by the server: the list comes from WHO, is kept
 * by what the page sees (who speaks, who leaves), and is asked for again
 * now and then: every 30 s, and less often the more users there are (a
 * WHO costs the server a line per user), at most every 10 minutes.
 */
function scheduleWho(): void {
  const seconds = WHO_SECONDS ?? Math.min(600, 30 + model.users.size * 0.05);
  clearTimeout(whoTimer);
  whoTimer = window.setTimeout(askWho, seconds * 1000);
}

function stopTimers(): void {
  for (const timer of timers) clearInterval(timer);
  timers = [];
  clearTimeout(whoTimer);
}

/** Connects again after the stretch's next wait, counting down on the status line; past its end, gives up and says so. */
function reconnectLater(stretch: Reconnection): void {
  const wait = stretch.nextWait(Date.now(), Math.random());
  if (wait === null) {
    const seconds = Math.round(TRYING_MS / 1000);
    end(stretch.restart ? `The server did not come back within ${seconds} s.` : `Could not reconnect within ${seconds} s.`);
    return;
  }
  const why = stretch.restart ? "The server is restarting." : "Disconnected.";
  const due = Date.now() + wait;
  const tick = (): void => {
    const left = due - Date.now();
    if (left <= 0) {
      countdown = undefined;
      connect();
      return;
    }
    const seconds = Math.ceil(left / 1000);
    setStatus(`${why} Reconnecting in ${seconds} s…`);
    countdown = window.setTimeout(tick, left - (seconds - 1) * 1000);
  };
  tick();
}

function setStatus(text: string): void {
  statusText = text;
  ui.status.textContent = text;
}

// Drawing

function button(text: string, onClick: () => void, extra?: { current?: boolean; badge?: number; label?: string }): HTMLLIElement {
  const item = document.createElement("li");
  const element = document.createElement("button");
  element.type = "button";
  const name = document.createElement("span");
  name.textContent = text;
  element.append(name);
  if (extra?.badge) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = String(extra.badge);
    badge.setAttribute("aria-label", `${extra.badge} unread`);
    element.append(badge);
  }
  if (extra?.current) element.setAttribute("aria-current", "true");
  if (extra?.label) element.setAttribute("aria-label", extra.label);
  element.addEventListener("click", onClick);
  item.append(element);
  return item;
}

function titleOf(id: ConversationId): string {
  if (id === LOBBY) return "Everyone";
  const user = directWith(id);
  return user === null ? id : `${user} (direct)`;
}

function lineItem(line: ChatLine): HTMLLIElement {
  const item = document.createElement("li");
  if (line.from === null) item.className = "notice";
  else if (line.mine) item.className = `mine ${line.delivery ?? ""}`;
  else if (line.earlier) item.className = "earlier";
  const time = document.createElement("time");
  time.dateTime = line.time.toISOString();
  time.textContent = line.time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  item.append(time);
  if (line.from !== null) {
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = line.from;
    item.append(from);
  }
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = line.text;
  item.append(text);
  if (line.delivery === "failed" || line.delivery === "unconfirmed") {
    const delivery = document.createElement("span");
    delivery.className = "delivery";
    delivery.textContent = `${line.delivery === "failed" ? "Not sent." : "Not confirmed."} ${line.problem ?? ""}`;
    item.append(delivery);
  }
  if (line.mine) drawnLines.set(line, item);
  return item;
}

function drawLog(): void {
  const conversation = model.conversation(model.current);
  const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
  if (drawn === null || drawn.id !== conversation.id || drawn.lines !== conversation.lines || drawn.count > conversation.lines.length) {
    ui.log.replaceChildren(...conversation.lines.map(lineItem));
  } else if (conversation.lines.length - drawn.count > 0) {
    // Older lines may have been let go of: keep the log as long as the conversation.
    const added = conversation.lines.slice(drawn.count);
    ui.log.append(...added.map(lineItem));
  }
  while (ui.log.childElementCount > conversation.lines.length) ui.log.firstElementChild!.remove();
  for (const line of model.changed.splice(0)) drawnLines.get(line)?.replaceWith(lineItem(line));
  drawn = { id: conversation.id, lines: conversation.lines, count: conversation.lines.length };
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight;
}

function draw(): void {
  const me = model.me;
  ui.login.hidden = me !== null || (wantedName !== null && model.loginError === null);
  ui.loginError.textContent = model.loginError ?? "";
  ui.leave.hidden = me === null;
  // Signed in: joining is under the account's name; to be a guest, sign out first.
  ui.loginForm.hidden = account !== null;
  ui.accountForm.hidden = account !== null;
  ui.signedIn.hidden = account === null;
  ui.accountShown.textContent = account ?? "";
  ui.joinAccount.textContent = `Join as ${account ?? ""}`;
  // Signing out is at hand wherever the page is: in the chat, on the top bar; else where one joins.
  ui.accountControls.hidden = account === null;
  if (me === null && ui.accountControls.parentElement !== ui.signedIn) ui.signedIn.append(ui.accountControls);
  else if (me !== null && ui.accountControls.parentElement === ui.signedIn) ui.leave.before(ui.accountControls);
  const connected = me !== null && socket?.readyState === WebSocket.OPEN;
  ui.message.disabled = !connected;
  ui.send.disabled = !connected;

  const ids = [LOBBY, ...[...model.joined].sort(), ...[...model.conversations.keys()].filter((id) => id.startsWith("@"))];
  ui.conversations.replaceChildren(
    ...ids.map((id) => button(titleOf(id), () => openConversation(id), { current: id === model.current, badge: model.conversation(id).unread })),
  );

  ui.roomsSection.hidden = model.roomsOn !== true;
  ui.rooms.replaceChildren(
    ...[...model.rooms]
      .filter(([, members]) => members > 0)
      .map(([room, members]) =>
        button(`${room} (${members})`, () => joinRoom(room), { label: `${model.joined.has(room) ? "Open" : "Join"} ${room}, ${members} in it` }),
      ),
  );

  const users = [...model.users.values()];
  ui.onlineCount.textContent = me === null ? "" : `(${users.length})`;
  ui.users.replaceChildren(...users.map((user) => userItem(user, user === me)));

  ui.title.textContent = titleOf(model.current);
  ui.part.hidden = !model.joined.has(model.current);
  ui.status.textContent = statusText;
  drawLog();
}

/** A user in the list of who is online, marked as signed in to an account or as a guest; a button to write to them, but for oneself. */
function userItem(user: string, isMe: boolean): HTMLLIElement {
  const signedIn = model.isSignedIn(user);
  const item = isMe
    ? Object.assign(document.createElement("li"), { textContent: `${user} (you)` })
    : button(user, () => openConversation(`@${user}`), { label: `Write to ${user}, ${signedIn ? "signed in" : "a guest"}` });
  item.classList.add(signedIn ? "signed-in" : "guest");
  if (isMe) item.classList.add("me");
  const mark = document.createElement("span");
  mark.className = "mark";
  // Spaced from the name in the text too (what is copied, or read out without the label).
  mark.textContent = signedIn ? " ✓" : " guest";
  mark.title = signedIn ? "Signed in to an account" : "A guest: signed in to no account";
  (item.querySelector("button") ?? item).append(mark);
  return item;
}

function openConversation(id: ConversationId): void {
  model.open(id);
  closeMenu();
  draw();
  ui.message.focus();
}

function joinRoom(room: string): void {
  if (!model.joined.has(room)) {
    wantedRooms.add(room);
    request(`JOIN ${room}`, { verb: "JOIN", subject: room });
  }
  openConversation(room);
}

function closeMenu(): void {
  ui.sidebar.classList.remove("open");
  ui.menu.setAttribute("aria-expanded", "false");
}

// What the user does

/**
 * Joins the chat under `name`: a guest's, or the account's. A browser that
 * has just signed in needs a new connection (`fresh`): only the WebSocket
 * opened after its cookie was set carries it.
 */
function join(name: string, fresh: boolean): void {
  wantedName = name;
  model.loginError = null;
  userLeft = false;
  if (fresh) dropConnection();
  if (socket === null) {
    clearTimeout(countdown);
    reconnection = null;
    connect();
  } else if (socket.readyState === WebSocket.OPEN) {
    logIn(name);
  } // else: still connecting, and it logs in once open
  draw();
}

/** Closes the connection, if any, without a word: its close is then no concern of the page's. */
function dropConnection(): void {
  const connection = socket;
  socket = null;
  connection?.close();
}

ui.loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = ui.name.value.trim();
  if (name === "") return;
  if (!/\s/.test(name)) return join(name, false);
  // `LOGIN <name> <more>` is a sign-in with a password: a guest's name is never sent so.
  model.loginError = describeError("invalid-username", "");
  draw();
});

/** What the server's sign-in endpoints answer (docs/WEB.md): the account this browser is signed in to now, or why not. */
type AuthAnswer = { readonly account: string | null } | { readonly error: string };

async function auth(path: string, body?: object): Promise<AuthAnswer> {
  const init: RequestInit = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  try {
    return (await (await fetch(`/auth/${path}`, init)).json()) as AuthAnswer;
  } catch {
    return { error: "unreachable" };
  }
}

ui.accountForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = ui.accountName.value.trim();
  const password = ui.password.value;
  if (name === "" || password === "") return;
  const path = event.submitter === ui.signUp ? "register" : "signin";
  void auth(path, { name, password }).then((answer) => {
    if ("error" in answer || answer.account === null) {
      model.loginError = describeError("error" in answer ? answer.error : "unreachable", "");
      return draw();
    }
    ui.password.value = "";
    account = answer.account;
    join(account, true);
  });
});

ui.joinAccount.addEventListener("click", () => {
  if (account !== null) join(account, false);
});

/** Signs this browser out (or every browser of the account), and leaves the chat: it was in under the account. */
function signOut(everywhere: boolean): void {
  void auth(everywhere ? "signout-everywhere" : "signout", {}).then(() => {
    account = null;
    leave(everywhere ? "You signed out everywhere." : "You signed out.");
  });
}

ui.signOut.addEventListener("click", () => signOut(false));
ui.signOutEverywhere.addEventListener("click", () => signOut(true));

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.message.value.trim();
  if (text === "" || model.me === null) return;
  if (/^\/nick(\s|$)/i.test(text)) return rename(text.slice(5).trim());
  const id = model.current;
  const user = directWith(id);
  const line = model.say(id, text, new Date());
  const command = user !== null ? `DM ${user} ${text}` : id === LOBBY ? `MSG ${escapeEveryone(text)}` : `MSG ${id} ${text}`;
  // The PING's answer comes after the message's, which is nothing when it goes through (see Pending).
  if (request(command, { verb: user !== null ? "DM" : "MSG", line })) request("PING", { verb: "PING" });
  else model.deliver(line, "failed", "Not connected.");
  ui.message.value = "";
  draw();
});

/** `/nick <name>` typed in the composer: the server is asked for the name (see ChatModel's answer to NICK). */
function rename(name: string): void {
  if (name === "") model.notice(model.current, "To change your name: /nick <name>", new Date());
  else if (!request(`NICK ${name}`, { verb: "NICK", subject: name })) model.notice(model.current, "Not connected.", new Date());
  ui.message.value = "";
  draw();
}

ui.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const typed = ui.joinName.value.trim().toLowerCase();
  const room = typed.startsWith("#") ? typed : `#${typed}`;
  if (!ROOM.test(room)) {
    model.notice(model.current, describeError("invalid-room", room), new Date());
    draw();
    return;
  }
  ui.joinName.value = "";
  joinRoom(room);
});

ui.part.addEventListener("click", () => {
  const room = model.current;
  wantedRooms.delete(room);
  request(`PART ${room}`, { verb: "PART", subject: room });
  openConversation(LOBBY);
});

/** The user leaves the chat (Leave, Sign out), and the status line then says `saying`. */
function leave(saying: string): void {
  userLeft = true;
  leftSaying = saying;
  wantedName = null;
  wantedRooms.clear();
  if (model.me === null || !send("QUIT")) {
    // Not in, or not connected (reconnecting): nobody to say QUIT to, and
    // nothing is taken up again; the server ends a session after its grace.
    // The connection goes too: it may carry a sign-in that is over.
    clearTimeout(countdown);
    dropConnection();
    stop(saying);
  }
  draw();
}

ui.leave.addEventListener("click", () => leave("You left the chat."));

ui.menu.addEventListener("click", () => {
  const open = ui.sidebar.classList.toggle("open");
  ui.menu.setAttribute("aria-expanded", String(open));
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && model.me !== null && Date.now() - lastWho > 30_000) askWho();
});

/**
 * A reload keeps the session: the page going away leaves its token and
 * count to the tab's next page, which takes them (removes them) as it
 * starts and resumes. A live page's storage never holds them, so a
 * duplicated tab, which copies it, finds none and logs in afresh.
 */
window.addEventListener("pagehide", () => {
  if (resumable === null || wantedName === null || userLeft) return;
  // A closing WebSocket delivers no more lines: the count saved is every line this page read, and only those.
  socket?.close();
  const saved: HandedOver = {
    token: resumable.token,
    received: resumable.received,
    name: wantedName,
    rooms: [...model.joined],
    pending: model.handOver(),
  };
  sessionStorage.setItem(HANDED_OVER, JSON.stringify(saved));
});
window.addEventListener("pageshow", (event) => {
  // Back from the back-forward cache: its connection closed at pagehide,
  // and it reconnects by itself (see connect).
  if (event.persisted) takeHandedOver();
});

interface HandedOver {
  readonly token: string;
  readonly received: number;
  readonly name: string;
  readonly rooms: readonly string[];
  readonly pending: readonly Pending[];
}

/**
 * Takes (removes) the session a page of this tab left as it went, if there
 * is one: as a page starts, and as it connects. A page back from the
 * back-forward cache may find its own, or that of a page the tab showed
 * since, which took this page's session (and used its token up): Chromium
 * may run that page's pagehide after this page's pageshow, so the next
 * connection looks again.
 */
function takeHandedOver(): void {
  const saved = sessionStorage.getItem(HANDED_OVER);
  if (saved === null) return;
  sessionStorage.removeItem(HANDED_OVER);
  const { token, received, name, rooms, pending } = JSON.parse(saved) as HandedOver;
  // Not this page's own, left at its pagehide (back from the back-forward cache, nothing happened since).
  if (token !== resumable?.token) {
    model.takeOver(pending);
    wantedRooms.clear();
    for (const room of rooms) wantedRooms.add(room);
    handedOver = true;
  }
  resumable = { token, received };
  wantedName = name;
  userLeft = false;
}

/**
 * The page starts: it takes up the session a reload left it, if any, and
 * else, signed in, joins under the account's name (a new tab, a reload
 * after Leave); then it connects.
 */
takeHandedOver();
draw();
ui.name.focus();
void auth("me").then((answer) => {
  if ("account" in answer) account = answer.account;
  if (account !== null && wantedName === null && resumable === null) wantedName = account;
  // Unless the user joined meanwhile.
  if (socket === null && !userLeft) connect();
  draw();
});
