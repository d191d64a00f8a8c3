"""Who a learner is on the board: a row name and the secret that proves the row is theirs.

The name is DOJO_LEARNER, else the user name (cut to what the board accepts). The token is a
random secret made on first use and kept in ~/.dojo/board-token (DOJO_BOARD_TOKEN_FILE moves
it), readable by the learner alone; the board binds a name to the first token it sees.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import secrets
import tempfile
from pathlib import Path

from dojo.board.state import TOKEN


def reporting_off(env=os.environ) -> bool:
    """DOJO_BOARD=off: this learner's runs tell the board nothing."""
    return env.get("DOJO_BOARD", "").lower() in ("0", "off", "no", "false")


def learner_name(env=os.environ) -> str:
    try:
        raw = env.get("DOJO_LEARNER") or getpass.getuser()
    except (OSError, KeyError):  # no user name in this environment (some containers)
        raw = ""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")[:32] or "learner"


def token_path(env=os.environ) -> Path:
    return Path(env.get("DOJO_BOARD_TOKEN_FILE") or Path.home() / ".dojo" / "board-token")


def _read_token(path: Path) -> str | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return text if TOKEN.match(text) else None


def learner_token(path: Path | None = None) -> str:
    """This learner's secret, made on first use (readable by the learner alone)."""
    path = path or token_path()
    found = _read_token(path)
    if found:
        return found
    made = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".board-token-")  # mode 0600
        with os.fdopen(fd, "w") as handle:
            handle.write(made + "\n")
        try:
            os.link(temp, path)  # the whole token or nothing; fails if a run was first
        except FileExistsError:
            if _read_token(path) is None:  # what is there is no token: ours replaces it
                os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    except OSError:  # no home to keep it in: this run's rows only
        return made
    return _read_token(path) or made
