"""The chat page end to end: two (or three) Chromium users on one chat server."""

import pathlib
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "artifacts"
XSS = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>'


def wait(driver, timeout=10):
    return WebDriverWait(driver, timeout)


def open_and_join(make_browser, url, name):
    driver = make_browser()
    driver.get(url)
    wait(driver).until(lambda d: d.find_element(By.ID, "status").get_attribute("data-state") == "connected")
    assert not driver.find_element(By.ID, "text").is_displayed(), "the composer shows before joining"
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "#join-form button").click()
    wait(driver).until(EC.visibility_of_element_located((By.ID, "text")))
    assert not driver.find_element(By.ID, "name").is_displayed(), "the name prompt stays after joining"
    return driver


def send(driver, text):
    field = driver.find_element(By.ID, "text")
    field.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#composer button").click()
    wait(driver).until(lambda d: d.find_element(By.ID, "text").get_attribute("value") == "")


def messages(driver):
    """(author, text) of every message shown, read as the user sees them."""
    return [(item.find_element(By.CSS_SELECTOR, ".author").text, item.find_element(By.CSS_SELECTOR, ".text").text)
            for item in driver.find_elements(By.CSS_SELECTOR, "#messages > li")]


def wait_for_message(driver, author, text):
    wait(driver).until(lambda d: (author, text) in messages(d))


def test_two_users_see_each_others_messages(chat_url, browser_factory):
    alice = open_and_join(browser_factory, chat_url, "alice")
    bob = open_and_join(browser_factory, chat_url, "bob")

    send(alice, "hello bob")
    wait_for_message(bob, "alice", "hello bob")
    wait_for_message(alice, "alice", "hello bob")

    send(bob, "hi alice")
    wait_for_message(alice, "bob", "hi alice")

    send(alice, "Switchboard speaks Socket.IO v5 over WebSocket and long-polling")
    send(bob, "and the history survives a reload")
    wait_for_message(alice, "bob", "and the history survives a reload")
    save_screenshot(alice, "chat.png")


def save_screenshot(driver, name):
    """Saves what `driver` shows to artifacts/`name` (artifacts/ is git-ignored) and checks it is a PNG."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_typing_indicator_reaches_the_other_user_and_clears(chat_url, browser_factory):
    alice = open_and_join(browser_factory, chat_url, "carol")
    bob = open_and_join(browser_factory, chat_url, "dave")

    bob.find_element(By.ID, "text").send_keys("I am typ")
    wait(alice).until(lambda d: "dave is typing" in d.find_element(By.ID, "typing").text)
    assert bob.find_element(By.ID, "typing").text == ""  # nobody sees their own typing

    send(bob, "ing")
    wait(alice).until(lambda d: d.find_element(By.ID, "typing").text == "")


def test_html_in_messages_is_shown_as_text(chat_url, browser_factory):
    mallory = open_and_join(browser_factory, chat_url, "mallory")
    victim = open_and_join(browser_factory, chat_url, "victim")

    send(mallory, XSS)

    wait_for_message(victim, "mallory", XSS)
    time.sleep(0.3)  # give an injected handler the chance to run
    assert victim.execute_script("return window.__xss") is None
    assert victim.find_elements(By.CSS_SELECTOR, "#messages img, #messages script, #messages b") == []


def test_history_is_shown_to_a_user_who_arrives_later(chat_url, browser_factory):
    early = open_and_join(browser_factory, chat_url, "early")
    send(early, "message for later readers")

    late = open_and_join(browser_factory, chat_url, "late")

    wait_for_message(late, "early", "message for later readers")


def test_page_loads_without_console_errors(chat_url, browser_factory):
    driver = browser_factory()
    driver.get(chat_url)
    wait(driver).until(lambda d: d.find_element(By.ID, "status").get_attribute("data-state") == "connected")

    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
