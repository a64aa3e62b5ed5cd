"""The coach's "review and send" link in a real browser (headless Chromium through Selenium),
against `debrief serve`.

Usage: review_link.py BASE_URL INGEST_KEY COACH_ID OUTBOX_DIR SAMPLE_DIR SCREENSHOT
Posts a workshop, takes the coach's email from the outbox, lets a scanner fetch every link in it
(GET and HEAD: nothing may be sent), then opens one participant's link in Chromium, edits the
draft, presses Send, and checks that exactly one email with the edited text went out.
"""

import email
import email.policy
import json
import pathlib
import re
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


def mails(outbox):
    out = []
    for p in sorted(pathlib.Path(outbox).glob("*.eml")):
        m = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        text = m.get_body(preferencelist=("plain",)).get_content()
        out.append((m["Subject"], m["To"], text))
    return out


def request(url, method="GET", body=None, key=None):
    req = urllib.request.Request(url, method=method, data=body)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    if body:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def main():
    base, key, coach, outbox, sample, shot = sys.argv[1:7]
    sample = pathlib.Path(sample)
    body = {
        "transcript": (sample / "transcript.vtt").read_text() + "\nNOTE browser test\n",
        "workshopDate": "2026-11-21", "cohortName": "Browser Lab", "coachId": coach,
        "roster": (sample / "roster.csv").read_text(),
    }
    _, answer = request(f"{base}/v1/workshops", "POST", json.dumps(body).encode(), key)
    sid = json.loads(answer)["sessionId"]
    for _ in range(300):
        _, s = request(f"{base}/v1/workshops/{sid}", key=key)
        if json.loads(s)["emailNotificationSent"]:
            break
        time.sleep(0.1)
    summary = [t for (subj, _, t) in mails(outbox) if subj.startswith("Debrief: Browser Lab")]
    check(len(summary) == 1, "the coach's email arrived")
    links = re.findall(r"https?://\S+/review/[A-Za-z0-9_\-.]+", summary[0])
    check(len(links) >= 2, f"it holds review links ({len(links)})")

    before = len(mails(outbox))
    for link in links:
        for method in ("GET", "HEAD"):
            status, _ = request(link, method)
            check(status == 200, f"a scanner's {method} of a link is answered")
    check(len(mails(outbox)) == before, "a scanner fetching every link sends nothing")

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=412,915"):
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(links[1])
        check(driver.title.startswith("Review and send"), "the link opens the review page")
        box = driver.find_element(By.NAME, "email")
        check("Hi" in box.get_attribute("value") or len(box.get_attribute("value")) > 20, "the draft is in the editor")
        driver.save_screenshot(shot)
        box.clear()
        box.send_keys("Dear friend,\nEdited in the browser: see you next week.\nMaya")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(driver, 20).until(ec.title_contains("Sent"))
        check("on its way" in driver.page_source, "the page says it was sent")
        driver.back()
        driver.refresh()
        check("Sent " in driver.page_source and not driver.find_elements(By.NAME, "email"), "the link now says it was sent, with no form")
    finally:
        driver.quit()
    after = mails(outbox)
    edited = [m for m in after if "Edited in the browser" in m[2]]
    check(len(edited) == 1 and len(after) == before + 1, "exactly one email, with the edited text")
    print("review_link: all checks passed")


main()
