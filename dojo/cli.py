"""The `dojo` command: progress, hints, solutions and the maintainers' verification.

Learners: `dojo list`, `dojo next`, `dojo hint N`, `dojo solution N`, `dojo watch`, and
`dojo down` (stop the Ray head that test runs reuse). Facilitators: `dojo board`.
Maintainers: `dojo verify [N...]`, `dojo dev check`, `dojo dev readmes`.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress_bar import ProgressBar
from rich.syntax import Syntax
from rich.table import Table

from dojo.crawl.cli import crawl as crawl_command_line
from dojo.kata import catalogue, progress
from dojo.paths import REPO_ROOT, STATE_DIR

app = typer.Typer(
    help="ray-asyncio-dojo: katas for advanced asyncio on Ray.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
HINT_LEVELS = STATE_DIR / "hints.json"

STYLE = {
    progress.DONE: "green",
    progress.FAILING: "red",
    progress.NOT_STARTED: "yellow",
    progress.NEVER_RUN: "dim",
}


def _kata(key: str) -> catalogue.Kata:
    try:
        return catalogue.find(key)
    except catalogue.UnknownKata as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(2) from None


def _rel(path) -> str:
    return str(path.relative_to(REPO_ROOT))


@app.command("list")
def list_katas() -> None:
    """The catalogue in order, with each kata's state from your last runs."""
    katas = catalogue.all_katas()
    seen = progress.load()
    table = Table(show_edge=False, pad_edge=False)
    for column in ("#", "kata", "track", "state"):
        table.add_column(column)
    done = 0
    for kata in katas:
        state = progress.state(kata, seen)
        done += state == progress.DONE
        table.add_row(
            f"{kata.number:02d}",
            kata.title,
            f"Track {kata.track.number}",
            f"[{STYLE[state]}]{state}[/]",
        )
    console.print(table)
    console.print(ProgressBar(total=len(katas), completed=done, width=40))
    console.print(f"{done} of {len(katas)} katas done. States come from your last pytest runs.")


@app.command("next")
def next_kata() -> None:
    """The first kata that is not done: where to read, how to run, what failed last."""
    seen = progress.load()
    for kata in catalogue.all_katas():
        state = progress.state(kata, seen)
        if state == progress.DONE:
            continue
        console.print(f"[bold]Kata {kata.number:02d} · {kata.title}[/bold] ({state})")
        console.print(f"  read: {_rel(kata.readme)}")
        console.print(f"  edit: {_rel(kata.stub)}")
        console.print(f"  run:  pytest {_rel(kata.path)}")
        failure = progress.first_failure(kata, seen)
        if failure:
            name, message = failure
            console.print(f"\n[red]last failure[/red] in {name}:")
            console.print(message.strip()[:1500], markup=False, highlight=False)
        return
    console.print("[green]Every kata is done.[/green]")


def _hint_levels() -> dict:
    try:
        return json.loads(HINT_LEVELS.read_text())
    except (OSError, ValueError):
        return {}


@app.command()
def hint(
    kata: Annotated[str, typer.Argument(help="kata number, e.g. 3")],
    all_levels: Annotated[bool, typer.Option("--all", help="show every hint")] = False,
) -> None:
    """The next hint for a kata, one level per call."""
    chosen = _kata(kata)
    hints = chosen.hints
    if not hints:
        console.print(f"Kata {chosen.number:02d} has no hints.")
        return
    levels = _hint_levels()
    shown = len(hints) if all_levels else min(levels.get(chosen.slug, 0) + 1, len(hints))
    for level in range(shown):
        console.print(f"[bold]Hint {level + 1} of {len(hints)}[/bold]")
        console.print(Markdown(hints[level]))
        console.print()
    if not all_levels:
        levels[chosen.slug] = shown
        HINT_LEVELS.parent.mkdir(parents=True, exist_ok=True)
        HINT_LEVELS.write_text(json.dumps(levels))
    if shown < len(hints):
        console.print(f"[dim]Run `dojo hint {chosen.number}` again for the next hint.[/dim]")


@app.command()
def solution(
    kata: Annotated[str, typer.Argument(help="kata number")],
    force: Annotated[bool, typer.Option("--force", help="show it anyway (instructors)")] = False,
) -> None:
    """Show the reference solution, once your kata passes."""
    chosen = _kata(kata)
    if not force and progress.state(chosen) != progress.DONE:
        console.print(
            f"Kata {chosen.number:02d} is not done yet: make `pytest {_rel(chosen.path)}` "
            "pass first, then compare. (Instructors: --force.)"
        )
        raise typer.Exit(1)
    code = chosen.solution.read_text(encoding="utf-8")
    console.print(Syntax(code, "python", line_numbers=True))


@app.command()
def reset(
    kata: Annotated[str, typer.Argument(help="kata number")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Restore a kata's stub (kata.py) to its shipped state. Touches nothing else."""
    from dojo.kata.shipped import shipped_stub

    chosen = _kata(kata)
    try:
        original = shipped_stub(chosen.slug)
    except KeyError:
        console.print(f"[red]no shipped copy of {chosen.slug} is known[/red]")
        raise typer.Exit(2) from None
    if chosen.stub.exists() and chosen.stub.read_text(encoding="utf-8") == original:
        console.print(f"{_rel(chosen.stub)} is already as shipped.")
        return
    if not yes and not typer.confirm(
        f"Replace {_rel(chosen.stub)} with the shipped stub? Your code in it will be lost."
    ):
        console.print("Nothing changed.")
        raise typer.Exit(1)
    chosen.stub.write_text(original, encoding="utf-8")
    console.print(f"{_rel(chosen.stub)} is back to its shipped state.")


@app.command()
def verify(
    katas: Annotated[list[str] | None, typer.Argument(help="kata numbers (default: all)")] = None,
) -> None:
    """Maintainers: stubs fail, solutions pass, mutants rejected, alternatives pass."""
    from dojo.kata.verify import table
    from dojo.kata.verify import verify as run_verification

    chosen = [_kata(k) for k in katas] if katas else catalogue.all_katas()
    console.print(f"checking {len(chosen)} kata(s)…")
    verdicts = run_verification(chosen)
    console.print(table(verdicts), highlight=False)
    wrong = [v for v in verdicts if not v.ok]
    console.print(f"{len(verdicts) - len(wrong)} of {len(verdicts)} variants behave as expected.")
    raise typer.Exit(1 if wrong else 0)


dev = typer.Typer(help="Maintainers: keep the catalogue, READMEs and mutants consistent.")
app.add_typer(dev, name="dev")


@dev.command("readmes")
def dev_readmes(
    katas: Annotated[list[str] | None, typer.Argument(help="kata numbers (default: all)")] = None,
) -> None:
    """Rewrite each kata README's rules section from catalogue.toml."""
    from dojo.kata.readme import write_readmes

    changed = write_readmes([_kata(k) for k in katas] if katas else catalogue.all_katas())
    console.print(f"rewrote {len(changed)} README(s): {', '.join(changed) or 'none'}")


@dev.command("check")
def dev_check(
    katas: Annotated[list[str] | None, typer.Argument(help="kata numbers (default: all)")] = None,
) -> None:
    """Fast checks that run no test: catalogue vs folders, READMEs, every rule has a mutant."""
    from dojo.kata.catalogue import problems
    from dojo.kata.verify import static_problems

    every = catalogue.all_katas()
    chosen = [_kata(k) for k in katas] if katas else every
    # The catalogue-wide problems (folders, order) always count; the rest only for `chosen`.
    found = problems(every) + static_problems(chosen)
    for problem in found:
        console.print(f"[red]✗[/red] {problem}", highlight=False, soft_wrap=True)
    console.print(f"{len(found)} problem(s)." if found else "[green]all consistent[/green]")
    raise typer.Exit(1 if found else 0)


@dev.command("costs")
def dev_costs(
    katas: Annotated[list[str] | None, typer.Argument(help="kata numbers (default: all)")] = None,
) -> None:
    """Run `dojo verify` and record each kata's seconds in dojo/kata/verify_costs.toml: the
    self-check balances its shards by them. Run it on an otherwise idle machine."""
    from dojo.kata.verify import COSTS_FILE, plan_for, run_plan, write_costs

    chosen = [_kata(k) for k in katas] if katas else catalogue.all_katas()
    seconds: dict[str, float] = {}
    run_plan(plan_for(chosen), seconds=seconds)
    write_costs(seconds)
    for kata, spent in sorted(seconds.items(), key=lambda item: -item[1]):
        console.print(f"{spent:7.1f} s  {kata}", highlight=False)
    console.print(f"wrote {len(seconds)} kata cost(s) to {COSTS_FILE.relative_to(REPO_ROOT)}")


@dev.command("floors")
def dev_floors(
    katas: Annotated[list[str] | None, typer.Argument(help="kata numbers (default: all)")] = None,
    runs: Annotated[int, typer.Option(min=1, help="measuring runs (the fastest counts)")] = 2,
) -> None:
    """Measure the correct solutions and rewrite dojo/grade/floors.toml (`dojo grade` flags a
    test that passes faster than its floor). Run it on an otherwise idle machine."""
    from dojo.grade.suspicion import FLOORS_FILE, measure_floors

    chosen = [_kata(k) for k in katas] if katas else None
    floors = measure_floors(chosen, runs=runs)
    count = sum(len(tests) for tests in floors.values())
    console.print(f"{count} floor(s) in {len(floors)} kata(s) written to {_rel(FLOORS_FILE)}")


_STAY = typer.Option("--stay", help="keep watching this kata after it passes (refactoring)")
_TIME_LIMIT = typer.Option("--time-limit", min=1, help="stop a check after this many seconds")
_WATCHED = typer.Argument(help="kata number (default: the first not done)")


@app.command()
def watch(
    kata: Annotated[str | None, _WATCHED] = None,
    stay: Annotated[bool, _STAY] = False,
    time_limit: Annotated[float, _TIME_LIMIT] = 60,
) -> None:
    """Re-run a kata's tests on every save of its kata.py; move on when it passes."""
    from dojo.watch.watcher import watch_katas

    chosen = _kata(kata) if kata else None
    raise typer.Exit(watch_katas(chosen, console, time_limit=time_limit, stay=stay))


@app.command()
def rotate(
    minutes: Annotated[float, typer.Option("--minutes", min=0.001, help="minutes per driver")],
    kata: Annotated[str | None, _WATCHED] = None,
    stay: Annotated[bool, _STAY] = False,
    time_limit: Annotated[float, _TIME_LIMIT] = 60,
) -> None:
    """Randori: watch a kata like `dojo watch`, and call a driver rotation every M minutes."""
    from dojo.watch.watcher import watch_katas

    chosen = _kata(kata) if kata else None
    code = watch_katas(chosen, console, rotate_minutes=minutes, time_limit=time_limit, stay=stay)
    raise typer.Exit(code)


@app.command()
def down() -> None:
    """Stop the Ray head your test runs reuse (it also stops by itself after idle minutes)."""
    from dojo.cluster import daemon

    stopped = daemon.stop()
    if stopped is None:
        console.print("no dojo Ray head is running for this checkout.")
    else:
        console.print(f"stopped the dojo's Ray head at {stopped.address}.", highlight=False)


@app.command()
def board(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="port (0: any free one)")] = 8765,
    address: Annotated[
        str | None, typer.Option(help="the room's Ray head (default: RAY_ADDRESS)")
    ] = None,
    forget: Annotated[
        str | None, typer.Option(metavar="NAME", help="free a learner's row, then exit")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="empty the board, then exit")] = False,
) -> None:
    """Facilitators: a live web page of the class's katas (runs on the room's head report
    to it)."""
    from dojo.board.command import board_command

    raise typer.Exit(board_command(host, port, address, console, forget=forget, clear=clear))


@app.command()
def grade(
    paths: Annotated[
        list[str], typer.Argument(help="learners' checkouts (copies of katas/), or folders of them")
    ],
    kata: Annotated[
        list[str] | None, typer.Option("--kata", "-k", help="grade only this kata (repeatable)")
    ] = None,
    out: Annotated[str, typer.Option(help="folder for <learner>/results.json")] = "grades",
    csv: Annotated[str | None, typer.Option(help="summary CSV (default: OUT/summary.csv)")] = None,
    junit: Annotated[bool, typer.Option("--junit", help="also write <learner>/junit.xml")] = False,
    jobs: Annotated[
        int | None, typer.Option(min=1, help="learners at once (default: 2; RAY_ADDRESS: 1)")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(min=1, help="seconds per learner (default: 60 per kata, at least 120)"),
    ] = None,
    test_timeout: Annotated[
        float | None,
        typer.Option(min=1, help="cap each test's time limit (katas allow 30 s; less is risky)"),
    ] = None,
) -> None:
    """Instructors: grade learners' katas with the repository's tests; points and reports."""
    from dojo.grade.cli import run
    from dojo.grade.learner_run import Limits

    limits = Limits(time_limit=time_limit, test_timeout=test_timeout)
    raise typer.Exit(run(paths, kata, out, csv, junit, jobs, limits, console))


# `dojo crawl`: the command, its flags and their defaults live with the crawler.
app.command("crawl")(crawl_command_line)


@app.command("serve-site")
def serve_site_command(
    pages: Annotated[int, typer.Option(min=1)] = 200,
    hosts: Annotated[int, typer.Option(min=1)] = 4,
    fanout: Annotated[int, typer.Option(min=1, help="links per page")] = 5,
    depth: Annotated[int, typer.Option(min=0, help="depth of the link tree")] = 4,
    latency: Annotated[float, typer.Option(min=0, help="seconds per answer (varies ±50%)")] = 0.05,
    seed: Annotated[int, typer.Option(help="same seed, same site")] = 0,
    seconds: Annotated[
        float | None, typer.Option("--for", min=0, help="stop after this many seconds")
    ] = None,
) -> None:
    """Serve a generated fake-web site on 127.0.0.1, for `dojo crawl` to crawl for real."""
    from dojo.crawl.cli import serve_command

    raise typer.Exit(
        serve_command(
            pages=pages,
            hosts=hosts,
            fanout=fanout,
            depth=depth,
            latency=latency,
            seed=seed,
            seconds=seconds,
            console=console,
        )
    )


def main() -> None:
    from dojo.cluster.ray_runtime import restore_interrupts

    restore_interrupts()  # Ctrl-C and ray.cancel must work even when started with `&`
    app()
