"""Fixtures for the chat page tests: a chat server and headless Chromium browsers (Debian packages).

The chat server is `$SWITCHBOARD_BIN serve --host 127.0.0.1 --port {port} --data-dir {data_dir}` (with
SWITCHBOARD_ADMIN_TOKEN in its environment), or `$SWITCHBOARD_CHAT_CMD` with `{port}`, `{data_dir}` and
`{admin_token}` substituted, for example the contract stand-in written in Python:
`python tests/ui/contract_server.py --port {port} --data-dir {data_dir} --admin-token {admin_token}`.
"""

import os
import pathlib
import shutil
import sys

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from server_process import ServerFailed, command_from_template, free_port, running_server  # noqa: E402


ADMIN_TOKEN = "ui-test-admin-token"


def chat_command(port, data_dir):
    custom = os.environ.get("SWITCHBOARD_CHAT_CMD")
    if custom:
        return command_from_template(custom, port=port, data_dir=data_dir, admin_token=ADMIN_TOKEN)
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it or set SWITCHBOARD_CHAT_CMD", pytrace=False)
    return [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]


class ChatServer:
    """One chat server on a fixed port and data dir that a test can stop and start again."""

    def __init__(self, work):
        self.port = free_port()
        self.work = work
        self.data_dir = work / "data"
        self.data_dir.mkdir(exist_ok=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.admin_token = ADMIN_TOKEN
        self._running = None
        self._starts = 0

    def start(self):
        assert self._running is None, "already running"
        self._starts += 1
        env = dict(os.environ, SWITCHBOARD_ADMIN_TOKEN=ADMIN_TOKEN)
        context = running_server(chat_command(self.port, self.data_dir), self.port,
                                 self.work / f"server-{self._starts}.log", cwd=ROOT, env=env)
        try:
            context.__enter__()
        except ServerFailed as failure:
            pytest.fail(str(failure), pytrace=False)
        self._running = context

    def stop(self):
        if self._running is not None:
            context, self._running = self._running, None
            context.__exit__(None, None, None)


@pytest.fixture
def chat_server(tmp_path):
    """A chat server of one test, which may stop and start it again. One per test because the server
    limits registrations per address (10 in a burst) and every browser comes from 127.0.0.1."""
    server = ChatServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chat_url(chat_server):
    return chat_server.url


def _find(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"none of {names} is installed (apt-get install chromium chromium-driver)", pytrace=False)


def new_chromium(size=(1280, 800)):
    """A headless Chromium session driven by the Debian chromedriver (no driver download)."""
    options = webdriver.ChromeOptions()
    options.binary_location = _find("chromium", "chromium-browser", "google-chrome")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={size[0]},{size[1]}", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=_find("chromedriver")), options=options)


@pytest.fixture
def browser_factory():
    """Creates headless Chromium sessions; all are closed at teardown."""
    drivers = []

    def make(size=(1280, 800)):
        driver = new_chromium(size)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.quit()


# ----------------------------------------------------------------------------- browser client tests

from server_process import server  # noqa: E402,F401  (the conformance server fixture)


@pytest.fixture(scope="session")
def pages_url(tmp_path_factory):
    """tests/ui/pages served by a plain static server on its own port (another origin)."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
               "--directory", str(ROOT / "tests/ui/pages")]
    log_path = tmp_path_factory.mktemp("pages") / "pages.log"
    try:
        with running_server(command, port, log_path, cwd=ROOT):
            yield f"http://127.0.0.1:{port}"
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium session shared by a module's tests."""
    driver = new_chromium()
    driver.set_script_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture
def client_page(chromium, server, pages_url):
    """A fresh page (another origin) with socket.io.js loaded from the conformance server."""
    chromium.get(f"{pages_url}/client.html?server={server.http}")
    WebDriverWait(chromium, 10).until(lambda d: d.execute_script("return window.clientLoaded") is not None)
    assert chromium.execute_script("return window.clientLoaded") is True, "socket.io.js did not load"
    return chromium
