#!/usr/bin/env python3
"""The web console in a real browser: Debian's Chromium driven by Selenium. Signs in with a token,
searches, previews and makes a subscription, publishes a story through the HTTP API, and watches its
alert appear in the live view without a reload; checks labels, keyboard focus and a phone-sized
window; writes a screenshot of every page to ARTIFACTS.

Environment: GATEWAY_URL, TOKEN (an admin token, as make run prints), ARTIFACTS (a directory).
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["GATEWAY_URL"].rstrip("/")
TOKEN = os.environ["TOKEN"]
ARTIFACTS = os.environ["ARTIFACTS"]
os.makedirs(ARTIFACTS, exist_ok=True)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    try:
        driver.save_screenshot(os.path.join(ARTIFACTS, "failure.png"))
        print(driver.page_source[:3000], file=sys.stderr)
    except Exception:
        pass
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def publish(story):
    request = urllib.request.Request(BASE + "/v1/stories", data=json.dumps(story).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(request, timeout=30) as response:
        result = json.loads(response.read())
    check(result["accepted"] == 1, f"publishing through the API: {result}")


def shot(name):
    driver.save_screenshot(os.path.join(ARTIFACTS, f"{name}.png"))


def wait_for(condition, what, seconds=30):
    # A page being replaced (a form posted) makes elements stale for a moment: look again.
    try:
        return WebDriverWait(driver, seconds, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)
    except Exception:
        fail(f"timed out waiting for {what}")


def labelled_controls():
    """Every visible form control has a label (for=id) or an aria-label."""
    for control in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
        if not control.is_displayed():
            continue
        identifier = control.get_attribute("id")
        labelled = bool(identifier and driver.find_elements(By.CSS_SELECTOR, f"label[for='{identifier}']")) or control.get_attribute("aria-label")
        check(labelled, f"an unlabelled control on {driver.current_url}: {control.get_attribute('outerHTML')}")


options = webdriver.ChromeOptions()
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
    options.add_argument(argument)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    publish({"id": "browser-seed-1", "headline": "Iran and Oman widen the Hormuz shipping lanes",
             "body": "Port officials in Bandar Abbas said the new lanes open next month.", "source": "Browser Wire"})

    # Signing in: an unknown token is refused, the real one lands on search.
    driver.get(BASE + "/console/search")
    wait_for(EC.presence_of_element_located((By.ID, "token")), "the sign-in page")
    labelled_controls()
    shot("sign-in")
    driver.find_element(By.ID, "token").send_keys("tok_000000000000_wrong" + Keys.ENTER)
    wait_for(EC.presence_of_element_located((By.CSS_SELECTOR, ".error")), "the refusal of a wrong token")
    driver.find_element(By.ID, "token").send_keys(TOKEN + Keys.ENTER)
    wait_for(EC.presence_of_element_located((By.ID, "q")), "the search page after signing in")

    # Search with highlights, by keyboard alone.
    deadline = time.time() + 30
    while True:
        search = driver.find_element(By.ID, "q")
        search.clear()
        search.send_keys("lanes" + Keys.ENTER)
        wait_for(EC.presence_of_element_located((By.CSS_SELECTOR, "main .notice, main .error")), "search results")
        if driver.find_elements(By.CSS_SELECTOR, ".hits li"):
            break
        check(time.time() < deadline, "the published story never became searchable")
        time.sleep(1)
    check(driver.find_elements(By.CSS_SELECTOR, ".hits mark"), "the matched words are highlighted")
    check(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg rect"), "the story volume chart is drawn")
    # A filter narrows the search: another source finds nothing, the right one finds the story again.
    driver.find_element(By.ID, "source").send_keys("Other Wire" + Keys.ENTER)
    wait_for(lambda d: "0 stories match" in d.find_element(By.CSS_SELECTOR, "main .notice").text, "a filter that excludes the story")
    source = driver.find_element(By.ID, "source")
    source.clear()
    source.send_keys("Browser Wire" + Keys.ENTER)
    wait_for(lambda d: d.find_elements(By.CSS_SELECTOR, ".hits li"), "the story again with its source as the filter")
    labelled_controls()
    shot("search")
    search = driver.find_element(By.ID, "q")
    search.clear()
    search.send_keys("place:(Iran" + Keys.ENTER)
    wait_for(EC.presence_of_element_located((By.CSS_SELECTOR, "main .error")), "a bad query's error")
    check("column" in driver.find_element(By.CSS_SELECTOR, "main .error").text, "the error names the column")

    # Subscribe: preview first (a dry run), then for real.
    driver.get(BASE + "/console/subscriptions")
    wait_for(EC.visibility_of_element_located((By.ID, "preview-button")), "the preview button")
    labelled_controls()
    driver.find_element(By.ID, "query").send_keys("place:Iran")
    driver.find_element(By.ID, "preview-button").click()
    wait_for(lambda d: "would have matched" in d.find_element(By.ID, "preview").text, "the dry-run preview")
    check(driver.find_elements(By.CSS_SELECTOR, "#preview .hits li"), "the preview lists the latest matches")
    shot("subscribe-preview")
    driver.find_element(By.ID, "subscribe-button").click()
    wait_for(lambda d: "Subscribed: sub_" in d.find_element(By.CSS_SELECTOR, "main").text, "the new subscription")
    notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
    subscription = notice.split("Subscribed: ")[1].split(".")[0]
    shot("subscriptions")

    # A daily e-mail digest in the browser's own time zone (console.js fills it in).
    zone = driver.find_element(By.ID, "time-zone").get_attribute("value")
    check(zone, "the time zone is filled in from the browser")
    driver.find_element(By.ID, "query").send_keys("place:Oman")
    driver.find_element(By.ID, "email").send_keys("reader@example.org")
    Select(driver.find_element(By.ID, "digest")).select_by_value("daily@08:00")
    driver.find_element(By.ID, "subscribe-button").click()
    wait_for(lambda d: "Subscribed: sub_" in d.find_element(By.CSS_SELECTOR, ".notice").text and "place:Oman" in d.find_element(By.CSS_SELECTOR, "main table").text,
             "the digest subscription")
    row = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr") if "place:Oman" in r.text][0]
    check("daily@08:00" in row and "mailto:reader@example.org" in row, f"its row says how it is delivered: {row!r}")

    # Its delivery changed from the same table: an hourly digest in Tokyo; a zone that is none is refused.
    def oman_row():
        return [r for r in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr") if "place:Oman" in r.text][0]
    oman_row().find_element(By.CSS_SELECTOR, "details.delivery summary").click()
    Select(oman_row().find_element(By.CSS_SELECTOR, "details.delivery select")).select_by_value("hourly")
    zone_field = oman_row().find_element(By.CSS_SELECTOR, "details.delivery input[name=timeZone]")
    check(zone_field.get_attribute("value") == zone, f"the change form shows the present zone: {zone_field.get_attribute('value')!r}")
    zone_field.clear()
    zone_field.send_keys("Asia/Tokyo")
    oman_row().find_element(By.CSS_SELECTOR, "details.delivery button").click()
    wait_for(lambda d: "Delivery changed: place:Oman is now hourly Asia/Tokyo" in d.find_element(By.CSS_SELECTOR, "main").text, "the changed delivery")
    check("hourly Asia/Tokyo" in oman_row().text, f"the row says the new delivery: {oman_row().text!r}")
    oman_row().find_element(By.CSS_SELECTOR, "details.delivery summary").click()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", oman_row())
    shot("subscription-delivery")
    zone_field = oman_row().find_element(By.CSS_SELECTOR, "details.delivery input[name=timeZone]")
    zone_field.clear()
    zone_field.send_keys("Mars/Olympus")
    oman_row().find_element(By.CSS_SELECTOR, "details.delivery button").click()
    wait_for(EC.presence_of_element_located((By.CSS_SELECTOR, "main .error")), "a bad zone's error")
    check("not a time zone" in driver.find_element(By.CSS_SELECTOR, "main .error").text, "the error says the zone is not one")
    driver.get(BASE + "/console/subscriptions")
    check("hourly Asia/Tokyo" in oman_row().text, "a refused change leaves the delivery as it was")

    # The live view: an alert published through the API appears without a reload.
    driver.get(BASE + f"/console/alerts?subscription={subscription}")
    wait_for(lambda d: "Connected" in d.find_element(By.ID, "live-status").text, "the live stream to connect")
    driver.execute_script("window.__sameDocument = true")
    publish({"id": "browser-live-1", "headline": "Iran opens a container terminal at Jask",
             "body": "The terminal handles transshipment for the Gulf of Oman.", "source": "Browser Wire"})
    wait_for(EC.presence_of_element_located((By.CSS_SELECTOR, "#live-alerts li[data-story='browser-live-1']")), "the live alert")
    check(driver.execute_script("return window.__sameDocument === true"), "the page reloaded to show the alert")
    why = driver.find_element(By.CSS_SELECTOR, "#live-alerts li[data-story='browser-live-1'] .why").text
    check("matched" in why, f"the alert says why it fired: {why!r}")
    shot("alerts-live")

    # The other pages, each with a screenshot.
    for name, heading in (("deliveries", "Deliveries"), ("feeds", "Feeds"), ("status", "Pipeline status")):
        driver.get(BASE + f"/console/{name}")
        wait_for(lambda d: d.find_element(By.TAG_NAME, "h1").text == heading, f"the {name} page")
        labelled_controls()
        shot(name)
    check("Lag per source" in driver.page_source, "status shows lag per source")

    # An ingest replica that does not answer (a control socket nobody serves) leaves the others' feeds
    # listed and is named, rather than failing the page.
    stale = os.path.join(os.environ["RUN_DIR"], "ingest-9.ctl")
    open(stale, "w").close()
    try:
        driver.get(BASE + "/console/feeds")
        wait_for(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Feeds", "the feeds page with a silent replica")
        page = driver.find_element(By.CSS_SELECTOR, "main").text
        check("ingest-9.ctl did not answer" in page and "its feeds are not listed" in page, f"the silent replica is named: {page!r}")
        check("No feeds are polled." in page or driver.find_elements(By.CSS_SELECTOR, "main table tbody tr"), "the answering replica's list is shown")
    finally:
        os.remove(stale)

    # Keyboard: Tab reaches the navigation, and the focused link is visible.
    driver.get(BASE + "/console/search")
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    body.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    check(focused.tag_name in ("a", "input", "button", "select"), f"Tab moves focus to a control, not {focused.tag_name}")

    # A phone: nothing wider than the screen.
    driver.set_window_size(390, 844)
    for page in ("search?q=lanes", "subscriptions", f"alerts?subscription={subscription}", "status"):
        driver.get(BASE + f"/console/{page}")
        time.sleep(0.3)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 400, f"/console/{page} is {width}px wide on a 390px phone")
    shot("search-phone")

    # Signing out ends the session.
    driver.set_window_size(1280, 900)
    driver.get(BASE + "/console/search")
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/sign-out'] button").click()
    wait_for(EC.presence_of_element_located((By.ID, "token")), "the sign-in page after signing out")
    driver.get(BASE + "/console/status")
    check(driver.find_elements(By.ID, "token"), "signed out, the console asks for a token again")
    print(f"ok: screenshots in {ARTIFACTS}")
finally:
    driver.quit()
