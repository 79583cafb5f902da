"""The dashboard in Debian's Chromium (selenium + chromedriver, headless, nothing downloaded): log
in, see the sites on the map, open a site, step through its dates, accept one detection and reject
another by keyboard, find both in the workspace's labels, log out. Screenshots go to
test-artifacts/serve/."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from forcewatch.app.workspace import open_workspace
from forcewatch.serve.app import create_app
from tests.serve.conftest import PASSWORDS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "serve"
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(workspace: Path) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    if CHROMEDRIVER is None or CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: apt-get install -y chromium chromium-driver")
        pytest.skip("no chromium/chromedriver (Debian: apt-get install -y chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_log_in_open_a_site_review_two_detections_and_log_out(server: str, browser: object, workspace: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(browser, WebDriver)
    d = browser
    wait = WebDriverWait(d, 20)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    d.get(server + "/")  # not signed in: the login page
    wait.until(ec.presence_of_element_located((By.ID, "name")))
    assert d.current_url.endswith("/login")
    d.find_element(By.ID, "name").send_keys("anna")
    d.find_element(By.ID, "password").send_keys(PASSWORDS["anna"])
    d.find_element(By.ID, "submit").click()

    wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "path.site-marker")) >= 1)
    links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "a.site-link")]
    assert "Luninets airfield" in links
    d.save_screenshot(str(ARTIFACTS / "1-map.png"))

    d.find_element(By.LINK_TEXT, "Luninets airfield").click()
    wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "tr.date")) == 2)
    wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "path.detection")) >= 2)
    d.save_screenshot(str(ARTIFACTS / "2-site-latest.png"))
    dates = d.find_elements(By.CSS_SELECTOR, "tr.date")
    dates[0].click()  # the earlier date: one detection
    wait.until(lambda _: "current" in d.find_elements(By.CSS_SELECTOR, "tr.date")[0].get_attribute("class"))
    wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "path.detection")) == 1)
    d.find_elements(By.CSS_SELECTOR, "tr.date")[1].click()  # back to the later date: two
    wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "path.detection")) >= 2)

    body = d.find_element(By.TAG_NAME, "body")
    selected = d.find_element(By.ID, "selected")
    reviewed = []
    for key, status in (("a", "accepted"), ("r", "rejected")):
        body.send_keys("n")
        wait.until(lambda _: selected.text.startswith("detection "))
        reviewed.append(int(selected.text.split()[1].rstrip(":")))
        body.send_keys(key)
        wait.until(lambda _, s=status: selected.get_attribute("data-review") == s)
    d.save_screenshot(str(ARTIFACTS / "3-reviewed.png"))
    assert len(set(reviewed)) == 2

    with open_workspace(workspace) as store:
        labels = {lab.detection_id: (lab.status, lab.who) for lab in store.labels() if lab.source == "dashboard"}
    assert labels == {reviewed[0]: ("accepted", "anna"), reviewed[1]: ("rejected", "anna")}

    d.find_element(By.ID, "logout").click()
    wait.until(ec.presence_of_element_located((By.ID, "name")))
    d.get(server + "/")
    wait.until(ec.presence_of_element_located((By.ID, "name")))
    assert d.current_url.endswith("/login")
    d.save_screenshot(str(ARTIFACTS / "4-logged-out.png"))
