"""irctest's controller for this chat server's IRC door.

Written as irctest's own controllers are (see suite/irctest/controllers/
ngircd.py): run() starts the server built in dist/ (`npm run build`) with
its IRC door on the port irctest gives, and waits until that port accepts.
The line protocol, which every server has, listens on a free port nobody
uses. `npm run irctest` (test/irctest/run.mjs) puts this folder on
PYTHONPATH and runs the suite with `--controller chatserver`.
"""

from pathlib import Path
import shutil
import subprocess
from typing import Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController

# The repository's root: this file is test/irctest/chatserver.py.
REPOSITORY = Path(__file__).resolve().parents[2]

# The plugins the IRC door builds on: messages, direct messages, WHO, PING,
# QUIT, rooms (channels) and accounts (OPER).
PLUGINS = "login,msg,who,dm,ping,quit,rooms,accounts"

# The server operator irctest's OPER tests use (`OPER operuser operpassword`).
OPERATOR = ("operuser", "operpassword")


class ChatServerController(BaseServerController, DirectoryBasedController):
    software_name = "chat-server"
    supported_sasl_mechanisms: Set[str] = set()
    supports_sts = False
    # What the welcome's 005 must say (IsupportTestCase.testValues).
    isupport = {
        "CASEMAPPING": "ascii",
        "CHANTYPES": "#",
        "PREFIX": "(o)@",
        "CHANMODES": ",,,nst",
        "NICKLEN": "32",
        "NETWORK": "My.Little.Server",
        "UTF8ONLY": None,
        "WHOX": None,
    }

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        if password is not None:
            raise NotImplementedByController("PASS (the chat has no server password)")
        if ssl:
            raise NotImplementedByController("TLS")
        if run_services:
            raise NotImplementedByController("services")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        (_, line_port) = self.get_hostname_and_port()

        cli = REPOSITORY / "dist" / "cli.js"
        if not cli.exists():
            raise RuntimeError(f"{cli} is missing: run `npm run build` first")

        if faketime and shutil.which("faketime"):
            faketime_cmd = ["faketime", "-f", faketime]
            self.faketime_enabled = True
        else:
            faketime_cmd = []

        # A database of its own (in the controller's directory, removed after
        # the test), with irctest's operator account made by the CLI, as an
        # operator makes one.
        self.create_config()
        assert self.directory
        data_dir = str(self.directory / "data")
        name, password = OPERATOR
        subprocess.run(
            ["node", cli, "accounts", "add", name, "--role", "operator", "--password-stdin", "--data-dir", data_dir],
            input=f"{password}\n",
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=REPOSITORY,
        )

        self.proc = self.execute(
            [
                *faketime_cmd,
                "node",
                cli,
                "--host",
                hostname,
                "--port",
                str(line_port),
                "--irc-port",
                str(port),
                "--server-name",
                "My.Little.Server",
                "--plugins",
                PLUGINS,
                "--data-dir",
                data_dir,
                # A conventional IRC server has no channel everyone is in:
                # irctest's clients expect to be in none until they JOIN
                # one, and to hear only of those they share one with.
                "--irc-join-lobby",
                "off",
                # irctest's clients send bursts no person would.
                "--rate-limit",
                "0",
                "--log-level",
                "warn",
            ],
            cwd=REPOSITORY,
        )
        self.wait_for_port()


def get_irctest_controller_class() -> Type[ChatServerController]:
    return ChatServerController
