"""The chat product end to end in headless Chromium: people register, chat, and the page behaves as
docs/CHAT_PROTOCOL.md says, against `switchboard serve` (or SWITCHBOARD_CHAT_CMD)."""

import itertools
import pathlib
import time

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
PASSWORD = "correct horse battery"
XSS = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script><b>bold</b>'
_serial = itertools.count(1)


def unique(name):
    """A username nobody in this server has used yet."""
    return f"{name}{next(_serial)}{int(time.time() * 1000) % 100000}"


def wait(driver, timeout=10):
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def state_of(driver):
    return driver.find_element(By.ID, "status").get_attribute("data-state")


def sign_up(make_browser, url, username, display_name=None, size=(1280, 800)):
    """A new browser on `url` that registers `username` and waits until the chat is online."""
    driver = make_browser(size)
    driver.get(url)
    wait(driver).until(lambda d: d.find_element(By.ID, "username").is_displayed())
    assert not driver.find_element(By.ID, "app").is_displayed(), "the chat shows before signing in"
    driver.find_element(By.ID, "auth-mode").click()
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    if display_name:
        driver.find_element(By.ID, "display-name").send_keys(display_name)
    driver.find_element(By.ID, "auth-submit").click()
    wait_online(driver)
    wait(driver).until(lambda d: d.find_element(By.ID, "room-title").text == "#general")
    return driver


def wait_online(driver, timeout=15):
    wait(driver, timeout).until(lambda d: state_of(d) == "online")


def send(driver, text):
    field = driver.find_element(By.ID, "text")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)
    wait(driver).until(lambda d: d.find_element(By.ID, "text").get_attribute("value") == "")


def messages(driver):
    """(author, text) of every message shown in the open room, as the user sees them."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#messages > li')).map((li) =>
          [li.querySelector('.author').textContent, li.querySelector('.text') ? li.querySelector('.text').textContent : '']);
    """)


def wait_for_message(driver, author, text, timeout=10):
    wait(driver, timeout).until(lambda d: [author, text] in messages(d))


def stored_message_count(driver):
    return driver.execute_script("return document.querySelectorAll('#messages > li[data-id]').length")


def room_button(driver, name):
    for button in driver.find_elements(By.CSS_SELECTOR, "#room-list .room-button, #dm-list .room-button"):
        if button.find_element(By.CSS_SELECTOR, ".room-name").text == name:
            return button
    return None


def badge(driver, name):
    button = room_button(driver, name)
    badges = button.find_elements(By.CSS_SELECTOR, ".badge") if button else []
    return badges[0].text if badges else ""


def open_room(driver, name):
    wait(driver).until(lambda d: room_button(d, name) is not None)
    room_button(driver, name).click()
    wait(driver).until(lambda d: d.find_element(By.ID, "room-title").text.endswith(name))


def create_room(driver, name, private=False):
    driver.find_element(By.ID, "new-room-name").send_keys(name)
    if private:
        driver.find_element(By.ID, "new-room-private").click()
    driver.find_element(By.CSS_SELECTOR, "#create-form button").click()
    wait(driver).until(lambda d: d.find_element(By.ID, "room-title").text.endswith(name))
    return driver.execute_script("return decodeURIComponent(location.hash.slice('#room='.length))")


def socket_call(driver, event, payload):
    """Emits `event` on a fresh socket with the page's stored token; returns the acknowledgement."""
    return driver.execute_async_script("""
        const [event, payload, done] = arguments;
        const socket = io({ forceNew: true, reconnection: false, auth: { token: localStorage.getItem('switchboard.token') } });
        socket.on('connect_error', (e) => done({ connectError: String(e.message) }));
        socket.on('connect', () => socket.timeout(5000).emit(event, payload, (err, reply) => {
          socket.disconnect();
          done(err ? { timeout: String(err) } : reply);
        }));
    """, event, payload)


def save_screenshot(driver, name):
    """Saves what `driver` shows to tests/ui/artifacts/`name` (git-ignored) and checks it is a PNG."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def no_xss(driver):
    return driver.execute_script("return window.__xss") is None


# ------------------------------------------------------------------------------------------- tests

def test_two_users_see_each_others_messages_typing_and_presence(chat_url, browser_factory):
    alice = sign_up(browser_factory, chat_url, "alice", "Alice Martin")
    bob = sign_up(browser_factory, chat_url, "bob", "Bob Chen")

    wait(alice).until(lambda d: "Bob Chen" in text_of(d, "online"))
    wait(bob).until(lambda d: "Alice Martin" in text_of(d, "online"))

    send(alice, "Hi Bob! The new chat is live.")
    wait_for_message(bob, "Alice Martin", "Hi Bob! The new chat is live.")
    wait_for_message(alice, "Alice Martin", "Hi Bob! The new chat is live.")
    wait(alice).until(lambda d: text_of(d, "receipts") == "Seen by Bob Chen")   # bob's read marker

    bob.find_element(By.ID, "text").send_keys("Looks gre")
    wait(alice).until(lambda d: text_of(d, "typing") == "Bob Chen is typing…")
    assert text_of(bob, "typing") == "", "nobody sees their own typing"
    bob.find_element(By.ID, "text").send_keys("at — and it reconnects by itself" + Keys.ENTER)
    wait_for_message(alice, "Bob Chen", "Looks great — and it reconnects by itself")
    wait(alice).until(lambda d: text_of(d, "typing") == "")

    # A fuller main screen for the screenshot: another room with unread messages, a DM, a mention.
    create_room(bob, "release-planning", private=True)
    bob.find_element(By.ID, "invite-username").send_keys("alice" + Keys.ENTER)
    wait(alice).until(lambda d: room_button(d, "release-planning") is not None)
    send(bob, "@alice the 1.0 checklist is up")
    wait(alice).until(lambda d: badge(d, "release-planning") == "1")
    bob.find_element(By.ID, "dm-username").send_keys("alice" + Keys.ENTER)
    wait(bob).until(lambda d: d.find_element(By.ID, "room-title").text == "@Alice Martin")
    send(bob, "got a minute?")
    open_room(bob, "general")
    wait(alice).until(lambda d: badge(d, "Bob Chen") == "1")
    send(alice, "History loads when you scroll up, and edits show everywhere.")
    wait_for_message(bob, "Alice Martin", "History loads when you scroll up, and edits show everywhere.")
    send(bob, "@alice nice — read receipts too")
    wait(alice).until(lambda d: "mentioned you" in text_of(d, "notifications"))
    bob.find_element(By.ID, "text").send_keys("Typing shows too")
    wait(alice).until(lambda d: text_of(d, "typing") == "Bob Chen is typing…")
    save_screenshot(alice, "chat.png")

    bob.find_element(By.ID, "sign-out").click()   # his last socket goes: he leaves the presence list
    wait(alice).until(lambda d: "Bob Chen" not in text_of(d, "online"))
    assert "Alice Martin" in text_of(alice, "online")


def test_a_direct_message_reaches_only_its_two_users(chat_url, browser_factory):
    alice_name, bob_name = unique("alice"), unique("bob")
    alice = sign_up(browser_factory, chat_url, alice_name)
    bob = sign_up(browser_factory, chat_url, bob_name)
    carol = sign_up(browser_factory, chat_url, unique("carol"))

    alice.find_element(By.ID, "dm-username").send_keys(bob_name + Keys.ENTER)
    wait(alice).until(lambda d: d.find_element(By.ID, "room-title").text == "@" + bob_name)
    send(alice, "just between us")
    wait_for_message(alice, alice_name, "just between us")

    wait(bob).until(lambda d: room_button(d, alice_name) is not None)
    wait(bob).until(lambda d: badge(d, alice_name) == "1")
    wait(bob).until(lambda d: "sent you a direct message" in text_of(d, "notifications"))
    open_room(bob, alice_name)
    wait_for_message(bob, alice_name, "just between us")
    wait(bob).until(lambda d: badge(d, alice_name) == "")

    time.sleep(0.5)
    assert "just between us" not in carol.find_element(By.TAG_NAME, "body").text
    assert carol.find_elements(By.CSS_SELECTOR, "#dm-list li") == []
    assert "just between us" not in carol.page_source


def test_html_in_messages_is_shown_as_text_and_runs_nothing(chat_url, browser_factory):
    mallory_name = unique("mallory")
    mallory = sign_up(browser_factory, chat_url, mallory_name, '<img src=x onerror="window.__xss=3">')
    victim = sign_up(browser_factory, chat_url, unique("victim"))

    send(mallory, XSS)

    wait_for_message(victim, '<img src=x onerror="window.__xss=3">', XSS)
    time.sleep(0.5)  # give an injected handler the chance to run
    for driver in (victim, mallory):
        assert no_xss(driver)
        assert driver.find_elements(By.CSS_SELECTOR, "#messages img, #messages script, #messages b, #online img") == []


def test_a_user_cannot_read_a_private_rooms_history(chat_url, browser_factory):
    owner_name, outsider_name = unique("owner"), unique("outsider")
    owner = sign_up(browser_factory, chat_url, owner_name)
    outsider = sign_up(browser_factory, chat_url, outsider_name)
    room_id = create_room(owner, unique("secret"), private=True)
    send(owner, "the private plan")
    wait_for_message(owner, owner_name, "the private plan")

    reply = socket_call(outsider, "history:fetch", {"roomId": room_id})
    assert reply["ok"] is False and reply["error"]["code"] == "forbidden", reply
    assert "messages" not in reply

    outsider.get(chat_url + "#room=" + room_id)
    wait_online(outsider)
    wait(outsider).until(lambda d: d.find_element(By.ID, "room-error").is_displayed())
    assert "cannot read this room" in text_of(outsider, "room-error")
    assert messages(outsider) == []
    assert "the private plan" not in outsider.page_source
    assert not outsider.find_element(By.ID, "text").is_enabled()

    owner.find_element(By.ID, "invite-username").send_keys(outsider_name + Keys.ENTER)
    wait(owner).until(lambda d: "Invited" in text_of(d, "room-note"))
    wait(outsider).until(lambda d: "invited you" in text_of(d, "notifications"))
    outsider.find_element(By.CSS_SELECTOR, "#notifications .notification-button").click()
    wait_for_message(outsider, owner_name, "the private plan")


def test_own_messages_can_be_edited_and_deleted_and_others_see_it(chat_url, browser_factory):
    alice_name = unique("alice")
    alice = sign_up(browser_factory, chat_url, alice_name)
    bob = sign_up(browser_factory, chat_url, unique("bob"))
    send(alice, "teh first version")
    wait_for_message(bob, alice_name, "teh first version")

    def item(driver, text):
        return next(li for li in driver.find_elements(By.CSS_SELECTOR, "#messages > li")
                    if li.find_element(By.CSS_SELECTOR, ".text").text == text)

    assert item(bob, "teh first version").find_elements(By.CSS_SELECTOR, ".tools button") == []
    item(alice, "teh first version").find_element(By.CSS_SELECTOR, "button.edit").click()
    field = alice.find_element(By.ID, "edit-text")
    field.clear()
    field.send_keys("the first version" + Keys.ENTER)
    wait_for_message(bob, alice_name, "the first version")
    wait(bob).until(lambda d: "(edited)" in item(d, "the first version").text)

    item(alice, "the first version").find_element(By.CSS_SELECTOR, "button.delete").click()
    wait_for_message(bob, alice_name, "This message was deleted.")
    assert "the first version" not in [text for _, text in messages(bob)]
    wait_for_message(alice, alice_name, "This message was deleted.")


def test_unread_badge_counts_messages_in_other_rooms_until_opened(chat_url, browser_factory):
    alice = sign_up(browser_factory, chat_url, unique("alice"))
    bob = sign_up(browser_factory, chat_url, unique("bob"))
    room = unique("side")
    create_room(bob, room)
    alice.find_element(By.ID, "browse-refresh").click()
    wait(alice).until(lambda d: any(b.text == "Join" for b in d.find_elements(By.CSS_SELECTOR, "#browse-list button")))
    next(b for b in alice.find_elements(By.CSS_SELECTOR, "#browse-list button")
         if b.get_attribute("aria-label") == "Join " + room).click()
    wait(alice).until(lambda d: d.find_element(By.ID, "room-title").text == "#" + room)
    open_room(alice, "general")

    send(bob, "one")
    send(bob, "two")
    wait(alice).until(lambda d: badge(d, room) == "2")
    open_room(alice, room)
    wait(alice).until(lambda d: badge(d, room) == "")
    alice.refresh()
    wait_online(alice)
    wait(alice).until(lambda d: room_button(d, room) is not None)
    time.sleep(0.3)
    assert badge(alice, room) == "", "the read marker was not stored"


def test_a_mention_highlights_the_message_and_notifies(chat_url, browser_factory):
    alice_name, bob_name = unique("alice"), unique("bob")
    alice = sign_up(browser_factory, chat_url, alice_name)
    bob = sign_up(browser_factory, chat_url, bob_name)

    send(bob, f"@{alice_name} can you review this?")

    wait(alice).until(lambda d: "mentioned you" in text_of(d, "notifications"))
    assert bob_name in text_of(alice, "notifications")
    wait_for_message(alice, bob_name, f"@{alice_name} can you review this?")
    highlighted = alice.find_elements(By.CSS_SELECTOR, "#messages li.mentions-me .mention-me")
    assert [element.text for element in highlighted] == ["@" + alice_name]
    assert "mentioned you" not in text_of(bob, "notifications")


def test_older_history_loads_when_scrolling_up(chat_url, browser_factory):
    alice = sign_up(browser_factory, chat_url, unique("alice"))
    room_id = create_room(alice, unique("long"))
    sent = alice.execute_async_script("""
        const [roomId, done] = arguments;
        const socket = io({ forceNew: true, auth: { token: localStorage.getItem('switchboard.token') } });
        const call = (event, payload) => new Promise((resolve) => socket.timeout(5000).emit(event, payload, (e, r) => resolve(e ? { ok: false, error: { code: 'timeout' } } : r)));
        socket.on('connect', async () => {
          let count = 0;
          while (count < 65) {
            const reply = await call('message:send', { roomId, clientMessageId: 'bulk-' + count, text: 'bulk message ' + count });
            if (reply.ok) count += 1;
            else if (reply.error && reply.error.code === 'rate_limited') await new Promise((r) => setTimeout(r, reply.error.retryAfterMs || 200));
            else return done(reply);
          }
          socket.disconnect();
          done(count);
        });
    """, room_id)
    assert sent == 65
    alice.refresh()
    wait_online(alice)
    wait(alice).until(lambda d: stored_message_count(d) == 50)
    assert messages(alice)[-1][1] == "bulk message 64"
    assert alice.find_element(By.ID, "load-older").is_displayed()

    alice.execute_script("document.getElementById('scroller').scrollTop = 0")
    wait(alice).until(lambda d: stored_message_count(d) == 65)
    assert [text for _, text in messages(alice)] == [f"bulk message {i}" for i in range(65)]
    wait(alice).until(lambda d: d.find_element(By.ID, "history-start").is_displayed())
    assert not alice.find_element(By.ID, "load-older").is_displayed()


def test_sending_too_fast_shows_the_limit_and_every_message_arrives_once(chat_url, browser_factory):
    alice = sign_up(browser_factory, chat_url, unique("alice"))
    alice.execute_script("""
        window.__sendErrors = [];
        const error = document.getElementById('send-error');
        new MutationObserver(() => { if (error.textContent) window.__sendErrors.push(error.textContent); })
          .observe(error, { childList: true, characterData: true, subtree: true });
        const field = document.getElementById('text'), form = document.getElementById('composer');
        for (let i = 0; i < 40; i++) { field.value = 'burst ' + i; form.requestSubmit(); }
    """)
    wait(alice, 20).until(lambda d: stored_message_count(d) == 40)
    assert any("too fast" in text for text in alice.execute_script("return window.__sendErrors"))
    assert sorted(text for _, text in messages(alice)) == sorted(f"burst {i}" for i in range(40))
    alice.refresh()
    wait_online(alice)
    wait(alice).until(lambda d: stored_message_count(d) == 40)
    assert sorted(text for _, text in messages(alice)) == sorted(f"burst {i}" for i in range(40))


def test_sign_in_errors_and_sign_out(chat_url, browser_factory):
    name = unique("dora")
    dora = sign_up(browser_factory, chat_url, name)
    dora.find_element(By.ID, "sign-out").click()
    wait(dora).until(lambda d: d.find_element(By.ID, "auth").is_displayed())
    assert dora.execute_script("return localStorage.getItem('switchboard.token')") is None

    assert dora.find_element(By.ID, "username").get_attribute("value") == name, "the username is kept"
    dora.find_element(By.ID, "password").send_keys("not the password" + Keys.ENTER)
    wait(dora).until(lambda d: d.find_element(By.ID, "auth-error").is_displayed())

    dora.find_element(By.ID, "auth-mode").click()
    dora.find_element(By.ID, "password").clear()
    dora.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait(dora).until(lambda d: "taken" in text_of(d, "auth-error").lower())

    dora.find_element(By.ID, "auth-mode").click()
    dora.find_element(By.ID, "auth-submit").click()
    wait_online(dora)
    dora.refresh()   # the token is kept: no sign-in form again
    wait_online(dora)
    assert not dora.find_element(By.ID, "auth").is_displayed()


def test_a_forged_stored_token_leads_back_to_sign_in(chat_url, browser_factory):
    driver = browser_factory()
    driver.get(chat_url)
    wait(driver).until(lambda d: d.find_element(By.ID, "username").is_displayed())
    forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1XzEiLCJuYW1lIjoiYWRtaW4ifQ."  # alg: none
    driver.execute_script("localStorage.setItem('switchboard.token', arguments[0])", forged)
    driver.refresh()
    wait(driver).until(lambda d: d.find_element(By.ID, "auth-error").is_displayed())
    assert "sign in again" in text_of(driver, "auth-error").lower()
    assert not driver.find_element(By.ID, "app").is_displayed()
    assert driver.execute_script("return localStorage.getItem('switchboard.token')") is None


def test_narrow_screen_collapses_the_room_list(chat_url, browser_factory):
    phone = sign_up(browser_factory, chat_url, unique("phone"), size=(400, 800))
    sidebar = phone.find_element(By.ID, "sidebar")
    toggle = phone.find_element(By.ID, "rooms-toggle")
    assert not sidebar.is_displayed()
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    wait(phone).until(lambda d: d.find_element(By.ID, "sidebar").is_displayed())
    assert toggle.get_attribute("aria-expanded") == "true"
    room_button(phone, "general").click()
    wait(phone).until(lambda d: not d.find_element(By.ID, "sidebar").is_displayed())


def test_pages_load_without_console_errors(chat_url, browser_factory):
    driver = sign_up(browser_factory, chat_url, unique("quiet"))
    driver.get(chat_url + "admin")
    wait(driver).until(lambda d: d.find_element(By.ID, "token").is_displayed())
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []


def test_history_survives_reload_and_restart_and_banner_follows_the_server(chat_server, browser_factory):
    name = unique("alice")
    alice = sign_up(browser_factory, chat_server.url, name)
    send(alice, "written before the restart")
    wait(alice).until(lambda d: stored_message_count(d) == 1)

    alice.refresh()
    wait_online(alice)
    wait_for_message(alice, name, "written before the restart")

    chat_server.stop()
    wait(alice).until(lambda d: state_of(d) in ("reconnecting", "offline"))
    assert text_of(alice, "status") != "Online"
    send(alice, "written while the server was down")   # kept in the outbox, sent after reconnecting

    chat_server.start()
    wait_online(alice, timeout=20)
    wait(alice, 15).until(lambda d: stored_message_count(d) == 2)
    alice.refresh()
    wait_online(alice)
    expected = ["written before the restart", "written while the server was down"]
    try:
        wait(alice).until(lambda d: [text for _, text in messages(d)] == expected)
    except TimeoutException:
        assert [text for _, text in messages(alice)] == expected, "history lost in the restart"


# --------------------------------------------------------------------------------------- dashboard

def open_dashboard(make_browser, url, token):
    driver = make_browser()
    driver.get(url + "admin")
    wait(driver).until(lambda d: d.find_element(By.ID, "token").is_displayed())
    driver.find_element(By.ID, "token").send_keys(token + Keys.ENTER)
    return driver


def test_dashboard_with_the_admin_token_shows_live_numbers(chat_server, browser_factory):
    dashboard = open_dashboard(browser_factory, chat_server.url, chat_server.admin_token)
    wait(dashboard).until(lambda d: d.find_element(By.ID, "dashboard").is_displayed())
    wait(dashboard).until(lambda d: text_of(d, "stat-updated") != "–")
    first = text_of(dashboard, "stat-updated")
    wait(dashboard, 5).until(lambda d: text_of(d, "stat-updated") != first)

    user = sign_up(browser_factory, chat_server.url, unique("busy"))
    before = int(text_of(dashboard, "stat-messagesTotal").replace(",", ""))
    send(user, "counted")
    wait(dashboard, 5).until(lambda d: int(text_of(d, "stat-messagesTotal").replace(",", "")) > before)
    assert int(text_of(dashboard, "stat-connections").replace(",", "")) >= 1
    painted = dashboard.execute_script("""
        const canvas = document.getElementById('chart-connections');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
        return false;
    """)
    assert painted, "the connections chart is blank"
    save_screenshot(dashboard, "dashboard.png")


def test_dashboard_refuses_a_wrong_token(chat_server, browser_factory):
    dashboard = open_dashboard(browser_factory, chat_server.url, "not-the-token")
    wait(dashboard).until(lambda d: d.find_element(By.ID, "token-error").is_displayed())
    assert "Refused" in text_of(dashboard, "token-error")
    assert not dashboard.find_element(By.ID, "dashboard").is_displayed()
    assert text_of(dashboard, "stat-updated") in ("", "–")
