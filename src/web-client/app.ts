/**
 * The web client: the line protocol over a WebSocket to the server that
 * served this page, one text frame per line. Text from the wire is only
 * ever set as text (textContent), never parsed as markup.
 */
import { ChatModel, directWith, LOBBY, type ChatLine, type ConversationId, type Pending } from "./chat.js";
import { describeError, parseLine, ROOM, type ServerEvent } from "./protocol.js";

const KEEPALIVE_MS = 20_000;
const RECONNECT_STEPS_S = [1, 2, 4, 8, 15, 30];
/** Logging in again after a session that could not be resumed: a taken name is asked for again every RELOGIN_MS, for RELOGIN_FOR_MS. */
const RELOGIN_MS = 2000;
const RELOGIN_FOR_MS = 35_000;
/** `?who=<seconds>` sets how often the list of who is online is asked for (tests, debugging). */
const WHO_SECONDS = Number(new URLSearchParams(location.search).get("who")) || null;

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
};

const model = new ChatModel();
let socket: WebSocket | null = null;
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
/** Until when a name refused as taken is asked for again (see RELOGIN_MS). */
let reloginUntil = 0;
/** Rooms to join again after a reconnection. */
const wantedRooms = new Set<string>();
let attempt = 0;
let statusText = "Connecting…";
/** Why the last connection ended, as the server said. */
let endedBecause: string | null = null;
let userLeft = false;
let lastSent = 0;
let lastWho = 0;
let timers: number[] = [];
let whoTimer: number | undefined;
let countdown: number | undefined;
/** What the log shows: which conversation, how many of its lines. */
let drawn: { id: ConversationId; lines: ChatLine[]; count: number } | null = null;

/** Sends a line if connected; whether it was sent. */
function send(line: string): boolean {
  if (socket?.readyState !== WebSocket.OPEN) return false;
  socket.send(line);
  lastSent = Date.now();
  return true;
}

/** Sends a command whose OK or ERR is told apart from the others': only if it was sent is an answer awaited. */
function request(verb: Pending["verb"], subject: string): void {
  if (send(`${verb} ${subject}`)) model.pending.push({ verb, subject });
}

function askWho(): void {
  lastWho = Date.now();
  send("WHO");
}

function connect(): void {
  endedBecause = null;
  // A session to resume keeps what the page knows (who is online, the rooms, commands awaiting an answer).
  if (resumable === null) model.reset();
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
    // The server ended the session (it said why): there is nothing to resume.
    if (userLeft || endedBecause !== null) resumable = null;
    resuming = false;
    if (userLeft) setStatus("You left the chat.");
    else reconnectLater();
    draw();
  };
}

function logIn(name: string): void {
  request("LOGIN", name);
}

function received(line: string): void {
  const now = new Date();
  const event = parseLine(line, model.roomsOn === true);
  if (resumeLine(event, now)) return draw();
  if (resumable !== null) resumable.received++;
  const wasIn = model.me !== null;
  if (event.kind === "shutdown") endedBecause = "The server is shutting down.";
  if (event.kind === "error" && (event.code === "idle-timeout" || event.code === "send-queue-exceeded")) {
    endedBecause = describeError(event.code, event.subject);
  }
  const loggingIn = model.pending[0]?.verb === "LOGIN";
  model.apply(event, now);
  if (!wasIn && model.me !== null) loggedIn();
  else if (loggingIn && model.pending[0]?.verb !== "LOGIN" && model.me === null) {
    if (event.kind === "error" && event.code === "username-taken" && Date.now() < reloginUntil && wantedName !== null) {
      // Logging in again after a session that could not be resumed: the
      // name is ours until the server lets go of the old session (its node
      // died, and its lease has not run out yet). Asked again shortly.
      const name = wantedName;
      model.loginError = null;
      setStatus("Reconnecting…");
      timers.push(window.setTimeout(() => logIn(name), RELOGIN_MS));
    } else {
      // Refused: the user picks another name.
      wantedName = null;
      wantedRooms.clear();
    }
  }
  if (event.kind === "users-end") scheduleWho();
  draw();
}

/** The lines of resuming a session; whether `event` was one of them. */
function resumeLine(event: ServerEvent, now: Date): boolean {
  switch (event.kind) {
    case "token":
      resumable = { token: event.token, received: 0 };
      return true;
    case "resumed":
      resuming = false;
      resumable = { token: event.token, received: 0 };
      model.apply(event, now);
      online();
      return true;
    case "error":
      if (event.code === "unknown-command" && event.subject === "RESUMABLE") return true;
      if (event.code !== "resume-refused") return false;
      if (resuming && event.subject === "unavailable") {
        // The node holding the session did not answer (a cluster's): asked again after the next reconnection.
        socket?.close();
      } else if (resuming && wantedName !== null) {
        // Too late, or too much was missed: log in again, as after a restart.
        resuming = false;
        resumable = null;
        model.reset();
        model.notice(LOBBY, "Reconnected; messages sent while disconnected were missed.", now);
        reloginUntil = Date.now() + RELOGIN_FOR_MS;
        logIn(wantedName);
      }
      return true;
    default:
      return false;
  }
}

/** Logged in, or resumed: the status, and the keepalive. */
function online(): void {
  attempt = 0;
  setStatus(`Connected as ${model.me}`);
  timers.push(
    window.setInterval(() => {
      if (Date.now() - lastSent >= KEEPALIVE_MS) send("PING");
    }, KEEPALIVE_MS / 2),
  );
}

function loggedIn(): void {
  online();
  send("RESUMABLE");
  askWho();
  if (model.roomsOn !== false) send("ROOMS");
  for (const room of wantedRooms) request("JOIN", room);
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

function reconnectLater(): void {
  const base = RECONNECT_STEPS_S[Math.min(attempt, RECONNECT_STEPS_S.length - 1)]!;
  attempt++;
  let left = Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
  const why = endedBecause ?? "Disconnected.";
  const tick = (): void => {
    if (left <= 0) {
      countdown = undefined;
      connect();
      return;
    }
    setStatus(`${why} Reconnecting in ${left} s…`);
    left--;
    countdown = window.setTimeout(tick, 1000);
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
  else if (line.mine) item.className = "mine";
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
  drawn = { id: conversation.id, lines: conversation.lines, count: conversation.lines.length };
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight;
}

function draw(): void {
  const me = model.me;
  ui.login.hidden = me !== null || (wantedName !== null && model.loginError === null);
  ui.loginError.textContent = model.loginError ?? "";
  ui.leave.hidden = me === null;
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
  ui.users.replaceChildren(
    ...users.map((user) =>
      user === me
        ? Object.assign(document.createElement("li"), { textContent: `${user} (you)`, className: "me" })
        : button(user, () => openConversation(`@${user}`), { label: `Write to ${user}` }),
    ),
  );

  ui.title.textContent = titleOf(model.current);
  ui.part.hidden = !model.joined.has(model.current);
  ui.status.textContent = statusText;
  drawLog();
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
    request("JOIN", room);
  }
  openConversation(room);
}

function closeMenu(): void {
  ui.sidebar.classList.remove("open");
  ui.menu.setAttribute("aria-expanded", "false");
}

// What the user does

ui.loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = ui.name.value.trim();
  if (name === "") return;
  wantedName = name;
  model.loginError = null;
  userLeft = false;
  if (socket === null) {
    clearTimeout(countdown);
    connect();
  } else if (socket.readyState === WebSocket.OPEN) {
    logIn(name);
  } // else: still connecting, and it logs in once open
  draw();
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.message.value.trim();
  if (text === "" || model.me === null) return;
  const id = model.current;
  const user = directWith(id);
  send(user !== null ? `DM ${user} ${text}` : id === LOBBY ? `MSG ${text}` : `MSG ${id} ${text}`);
  model.add(id, { time: new Date(), from: model.me, text, mine: true });
  ui.message.value = "";
  draw();
});

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
  request("PART", room);
  openConversation(LOBBY);
});

ui.leave.addEventListener("click", () => {
  userLeft = true;
  wantedName = null;
  wantedRooms.clear();
  send("QUIT");
  draw();
});

ui.menu.addEventListener("click", () => {
  const open = ui.sidebar.classList.toggle("open");
  ui.menu.setAttribute("aria-expanded", String(open));
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && model.me !== null && Date.now() - lastWho > 30_000) askWho();
});

draw();
connect();
ui.name.focus();
