"""The class board for real: a `ray start --head` as the room's head, `dojo board` as the
facilitator starts it, and learners' pytest runs (copies of a kata with their own kata.py,
reaching the head only through RAY_ADDRESS) reporting to it. Then the page in headless
Chromium: it shows a learner's run within a second, without reloading, with no JavaScript
error. Skipped, saying why, where Chromium or selenium is missing (.ci/run installs them)."""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from dojo.cluster.head import LocalHead
from dojo.paths import KATAS_DIR, REPO_ROOT

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(600)]

DOJO = str(Path(sys.executable).with_name("dojo"))
KATA = "k01_await_one_ref"
PASSING = "return await fetch_greeting.remote(name, delay)"
BLOCKING = "return ray.get(fetch_greeting.remote(name, delay))"  # right answer, frozen loop


def wait_for(condition, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"no {what} within {timeout} s")


@pytest.fixture(scope="module")
def head():
    with LocalHead(num_cpus=2) as running:
        yield running
        # The facilitator ends the class (a head with a detached actor takes 10 s to stop).
        cleared = subprocess.run([DOJO, "board", "--clear"], env=base_env(running),
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
        assert cleared.returncode == 0, cleared.stdout + cleared.stderr


def base_env(head: LocalHead) -> dict[str, str]:
    # As tests/test_cluster_mode.py: the dojo decides RAY_AUTH_MODE in each process itself.
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    env["RAY_ADDRESS"] = head.address
    return env


def learner_checkout(root: Path, body: str) -> Path:
    """A learner's checkout of one kata, whose greet() is `body`."""
    checkout = root / "checkout"
    folder = checkout / "katas" / KATA
    folder.mkdir(parents=True)
    (checkout / "katas" / "__init__.py").write_text("")
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, checkout / name)
    for name in ("__init__.py", "test_kata.py", "README.md"):
        shutil.copy(KATAS_DIR / KATA / name, folder / name)
    stub = (KATAS_DIR / KATA / "kata.py").read_text()
    code, replaced = re.subn(r"^    todo\(.*\)$", f"    {body}", stub, flags=re.MULTILINE)
    assert replaced == 1, "the kata's stub no longer has one todo() line"
    (folder / "kata.py").write_text(code)
    return checkout


def learner_run(head, root: Path, learner: str, body: str, token: str | None = None, **popen):
    """Start `pytest katas/<kata>` as `learner` would, in a checkout of their own."""
    checkout = learner_checkout(root / learner, body)
    env = base_env(head)
    env.update(
        DOJO_LEARNER=learner,
        DOJO_BOARD_TOKEN_FILE=str(root / (token or learner) / "board-token"),
        DOJO_STATE_DIR=str(checkout / ".dojo"),
        DOJO_WORKER_PYTHONPATH=str(checkout),  # the job's workers import this kata.py
    )
    command = [sys.executable, "-m", "pytest", f"katas/{KATA}", "-q", "-p", "no:cacheprovider"]
    return subprocess.Popen(command, cwd=checkout, env=env, text=True, **popen)


def run_learner(head, root, learner, body, token=None) -> subprocess.CompletedProcess:
    process = learner_run(head, root, learner, body, token, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)  # fmt: skip
    output, _ = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, output)


class Board:
    """`dojo board --port 0` as a facilitator runs it; its URL read from what it prints."""

    def __init__(self, head: LocalHead, cwd: Path):
        self.process = subprocess.Popen(
            [DOJO, "board", "--port", "0"],
            cwd=cwd,
            env={**base_env(head), "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url(within=120)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _wait_for_url(self, within: float) -> str:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            found = re.search(r"http://\S+/", line)
            if found:
                return found.group(0)
        self.stop()
        raise AssertionError("dojo board printed no URL:\n" + "".join(self.output))

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "api/state", timeout=10) as response:
            return json.load(response)

    def cell(self, learner: str) -> dict | None:
        rows = {row["name"]: row for row in self.state()["learners"]}
        return rows[learner]["cells"].get(KATA) if learner in rows else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def board(head, tmp_path):
    started = Board(head, tmp_path)
    yield started
    started.stop()


def test_runs_on_the_rooms_head_fill_the_board_which_survives_its_restart(head, tmp_path):
    # No board yet: the run is as it always was.
    alone = run_learner(head, tmp_path / "before", "alice", PASSING)
    assert alone.returncode == 0, alone.stdout[-3000:]
    assert "dojo board" not in alone.stdout

    board = Board(head, tmp_path)
    try:
        assert board.state()["learners"] == []
        assert run_learner(head, tmp_path, "alice", PASSING).returncode == 0
        assert board.cell("alice")["state"] == "passed"
        assert board.cell("alice")["passed"] == board.cell("alice")["total"] == 3
        failed = run_learner(head, tmp_path, "bob", BLOCKING)
        assert failed.returncode == 1, failed.stdout[-3000:]
        bob = board.cell("bob")
        assert bob["state"] == "failing"
        assert "ray.get" in bob["failure"]["lesson"], bob  # watch's short lesson
        assert "Traceback" not in bob["failure"]["lesson"]
    finally:
        board.stop()
    assert board.process.returncode == 0  # SIGTERM: a clean stop

    restarted = Board(head, tmp_path)
    try:
        state = restarted.state()
        assert {r["name"] for r in state["learners"]} == {"alice", "bob"}
        assert [k["passed"] for k in state["katas"] if k["slug"] == KATA] == [1]
        # Someone else's machine claiming alice's row: refused, counted, and said.
        impostor = run_learner(head, tmp_path / "impostor", "alice", BLOCKING, token="other")
        assert "report(s) refused" in impostor.stdout, impostor.stdout[-3000:]
        state = restarted.state()
        assert state["refused"]["by_reason"].get("not_your_row", 0) >= 1
        assert restarted.cell("alice")["state"] == "passed"
        # The facilitator frees a row (its learner moved machines).
        forget = subprocess.run([DOJO, "board", "--forget", "bob"], env=base_env(head),
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert forget.returncode == 0, forget.stdout + forget.stderr
        assert restarted.cell("bob") is None
    finally:
        restarted.stop()


def test_a_randori_shows_its_timer_and_state_on_the_board(head, board, tmp_path):
    env = {**base_env(head), "DOJO_LEARNER": "team-1",
           "DOJO_BOARD_TOKEN_FILE": str(tmp_path / "board-token")}  # fmt: skip
    helper = subprocess.Popen(
        [sys.executable, "-m", "dojo.board.randori"], stdin=subprocess.PIPE, env=env, text=True
    )
    from dojo.board.identity import learner_token

    update = {"learner": "team-1", "token": learner_token(tmp_path / "board-token"),
              "kata": KATA, "driver": 2, "seconds_left": 150.0, "period": 300.0,
              "summary": "1 of 3 tests pass; first failure: test_x", "active": True}  # fmt: skip
    helper.stdin.write(json.dumps(update) + "\n")
    helper.stdin.flush()

    def randori():
        rows = {row["name"]: row for row in board.state()["learners"]}
        return rows.get("team-1", {}).get("randori")

    shown = wait_for(randori, 120, what="randori on the board")
    assert shown["driver"] == 2 and shown["summary"].startswith("1 of 3 tests pass")
    assert 100 < shown["deadline"] - board.state()["now"] <= 150
    helper.stdin.close()  # `dojo rotate` ended
    assert helper.wait(60) == 0
    assert randori()["active"] is False


# -- the page in a real browser -----------------------------------------------------------------


@pytest.fixture
def browser():
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is missing: pip install -e '.[dev]'"
    )
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_binary = shutil.which("chromedriver")
    if not binary or not driver_binary:
        pytest.skip(
            "Chromium is missing: install the Debian packages chromium and chromium-driver "
            "(.ci/run does where the machine allows)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1400,900"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=driver_binary)
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def cell_state(driver, learner: str) -> str | None:
    # In one script: the page redraws its grid on every change, so an element found in one
    # WebDriver call may be gone by the next.
    return driver.execute_script(
        "const td = document.querySelector(`td.cell[data-learner='${arguments[0]}']"
        "[data-kata='${arguments[1]}']`); return td ? td.dataset.state : null;",
        learner,
        KATA,
    )


def test_the_page_shows_a_learners_run_within_a_second_without_reloading(
    head, board, browser, tmp_path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(board.url)
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "status").text == "live")
    browser.execute_script("window.sameDocument = 'yes'")  # a reload would forget it

    # A failing run: the cell turns red; a click shows the first failing test and its lesson.
    failing = learner_run(head, tmp_path, "erin", BLOCKING, stdout=subprocess.DEVNULL)
    assert failing.wait(300) == 1
    final = board.state()  # the run is over: nothing changes the board now
    WebDriverWait(browser, 10, poll_frequency=0.05).until(
        lambda d: (
            d.find_element(By.TAG_NAME, "body").get_attribute("data-version")
            == f"{final['board']}:{final['version']}"
        )
    )
    assert cell_state(browser, "erin") == "failing"
    browser.find_element(By.CSS_SELECTOR, 'td.cell[data-learner="erin"]').click()
    detail = browser.find_element(By.ID, "detail")
    assert detail.is_displayed()
    erin = board.cell("erin")
    assert erin["failure"]["test"] in detail.text and "ray.get" in detail.text

    # A passing run: the cell turns green within a second of the run's last report.
    passing = learner_run(head, tmp_path, "dave", PASSING, stdout=subprocess.DEVNULL)
    WebDriverWait(browser, 300, poll_frequency=0.02).until(
        lambda d: cell_state(d, "dave") == "passed"
    )
    seen = time.time()
    assert passing.wait(120) == 0
    delay = seen - board.cell("dave")["last_run"]  # the board's receipt of the last report
    print(f"the page showed the run's last report {1e3 * delay:.0f} ms after the board got it")
    assert delay < 1.0, f"the page showed the run {delay:.2f} s after its report"
    total = browser.execute_script(
        f"return document.querySelector(`tr.totals td[data-kata='{KATA}']`).textContent"
    )
    passed = {k["slug"]: k["passed"] for k in board.state()["katas"]}[KATA]
    assert int(total) == passed >= 1

    assert browser.execute_script("return window.sameDocument") == "yes"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    if os.environ.get("DOJO_BOARD_SCREENSHOT"):
        browser.save_screenshot(os.environ["DOJO_BOARD_SCREENSHOT"])
