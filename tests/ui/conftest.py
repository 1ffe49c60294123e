"""Fixtures for the chat page tests: a chat server and headless Chromium browsers (Debian packages).

The chat server is `$SWITCHBOARD_BIN serve --host 127.0.0.1 --port {port} --data-dir {data_dir}`, or
`$SWITCHBOARD_CHAT_CMD` with `{port}` and `{data_dir}` substituted, for example
`python tests/interop/reference_server.py --chat --port {port}`.
"""

import os
import pathlib
import shutil
import sys

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from server_process import ServerFailed, command_from_template, free_port, running_server  # noqa: E402


def chat_command(port, data_dir):
    custom = os.environ.get("SWITCHBOARD_CHAT_CMD")
    if custom:
        return command_from_template(custom, port=port, data_dir=data_dir)
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it or set SWITCHBOARD_CHAT_CMD", pytrace=False)
    return [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]


@pytest.fixture(scope="module")
def chat_url(tmp_path_factory):
    port = free_port()
    work = tmp_path_factory.mktemp("chat")
    data_dir = work / "data"
    data_dir.mkdir()
    try:
        with running_server(chat_command(port, data_dir), port, work / "server.log", cwd=ROOT):
            yield f"http://127.0.0.1:{port}/"
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)


def _find(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"none of {names} is installed (apt-get install chromium chromium-driver)", pytrace=False)


@pytest.fixture
def browser_factory():
    """Creates headless Chromium sessions; all are closed at teardown."""
    drivers = []
    chromium = _find("chromium", "chromium-browser", "google-chrome")
    chromedriver = _find("chromedriver")

    def make():
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1000,800", "--disable-extensions", "--no-first-run"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.quit()
