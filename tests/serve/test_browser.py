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


def _serve(app: object) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free port of 127.0.0.1; its base URL."""
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
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
def server(workspace: Path) -> Iterator[str]:
    yield from _serve(create_app(workspace))


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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console, for errors
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
    wait.until(lambda _: "current" in str(d.find_elements(By.CSS_SELECTOR, "tr.date")[0].get_attribute("class")))
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

        def reviewed_as(_: object, s: str = status) -> bool:
            return selected.get_attribute("data-review") == s

        wait.until(reviewed_as)
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


@pytest.fixture(scope="module")
def imagery_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.serve.imagery_ws import make_imagery_workspace

    return make_imagery_workspace(tmp_path_factory.mktemp("browser") / "ws")


@pytest.fixture
def imagery_server(imagery_ws: Path, tmp_path: Path) -> Iterator[str]:
    from forcewatch.serve.basemaps import parse_basemap
    from tests.serve.pmtiles_writer import solid_png, write_pmtiles

    # a raster PMTiles basemap of pale green tiles at the zooms the test shows, served by the dashboard
    tiles = {(z, x, y): solid_png((200, 230, 200)) for z in range(0, 6) for x in range(2**z) for y in range(2**z)}
    archive = write_pmtiles(tmp_path / "green.pmtiles", tiles)
    yield from _serve(create_app(imagery_ws, [parse_basemap(f"Pale green={archive}")]))


def test_distance_basemap_date_slider_side_by_side_overlays_drawing_training_and_brief(
    imagery_server: str, browser: object, imagery_ws: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import Select, WebDriverWait

    assert isinstance(browser, WebDriver)
    d = browser
    wait = WebDriverWait(d, 30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    count = lambda css: len(d.find_elements(By.CSS_SELECTOR, css))  # noqa: E731
    data = lambda key: d.execute_script(f"return document.body.dataset.{key} || null")  # noqa: E731

    d.get(imagery_server + "/login")
    d.find_element(By.ID, "name").send_keys("anna")
    d.find_element(By.ID, "password").send_keys(PASSWORDS["anna"])
    d.find_element(By.ID, "submit").click()

    # the watchlist: distance to the chosen border in the table and the popups; a basemap of your own
    wait.until(lambda _: count("path.site-marker") >= 6 and data("line") == "UKR")
    rows = {r.find_element(By.CSS_SELECTOR, "a").text: r.find_element(By.CSS_SELECTOR, "td.distance").text
            for r in d.find_elements(By.CSS_SELECTOR, "#sites tbody tr")}  # fmt: skip
    assert 20 < float(rows["Luninets airfield"]) < 100, rows
    Select(d.find_element(By.ID, "line")).select_by_value("BLR")
    wait.until(lambda _: data("line") == "BLR")
    d.execute_script("fw.maps.main.setView([52.25, 26.8], 7, {animate: false})")
    with open_workspace(imagery_ws) as store:
        site_id = store.site("Luninets airfield").id
    marker = d.find_element(By.CSS_SELECTOR, f"path.site-marker.site-{site_id}")
    d.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", marker)
    wait.until(lambda _: count(".leaflet-popup .distance") == 1 and count("path.nearest") == 1)
    popup = str(d.find_element(By.CSS_SELECTOR, ".leaflet-popup").get_attribute("textContent"))
    assert "Luninets airfield" in popup and " km to the land border of Belarus" in popup, popup
    base = [e for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label") if "Pale green" in e.text]
    base[0].click()
    wait.until(lambda _: count(".basemap-0 img[src^='blob:']") >= 1)  # z5 tiles (the archive's deepest), scaled
    d.save_screenshot(str(ARTIFACTS / "5-map-distance-basemap.png"))
    d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-base label")[0].click()  # borders only again

    # the site: the latest date, its imagery, detections, camps and new activity
    d.get(imagery_server + "/")
    wait.until(lambda _: count("a.site-link") >= 6)
    d.find_element(By.LINK_TEXT, "Luninets airfield").click()
    wait.until(lambda _: data("date") == "2022-02-10")
    wait.until(lambda _: count("path.detection") >= 15 and count("path.camp") == 1 and count("path.activity") == 1)
    wait.until(
        lambda _: (
            count(".imagery img.leaflet-tile-loaded") >= 4 and count(".imagery img:not(.leaflet-tile-loaded)") == 0
        )
    )
    d.save_screenshot(str(ARTIFACTS / "6-site-overlays.png"))
    later_detections = count("path.detection")

    # toggle an overlay in the layer control
    camps = [e for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label") if e.text == "Camps"]
    camps[0].click()
    wait.until(lambda _: count("path.camp") == 0)
    assert count("path.activity") == 1
    camps[0].click()
    wait.until(lambda _: count("path.camp") == 1)

    # the date slider: the left arrow goes to the earlier date (its comparison's camps are not there)
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_LEFT)
    wait.until(lambda _: data("date") == "2022-01-20")
    assert d.find_element(By.ID, "date-slider").get_attribute("value") == "0"
    wait.until(lambda _: 0 < count("path.detection") < later_detections and count("path.camp") == 0)
    d.save_screenshot(str(ARTIFACTS / "7-earlier-date.png"))
    body.send_keys(Keys.ARROW_RIGHT)
    wait.until(lambda _: data("date") == "2022-02-10" and count("path.camp") == 1)

    # side by side: the earlier date on the left, the later on the right, moving together
    d.find_element(By.ID, "side-by-side").click()
    wait.until(lambda _: d.find_element(By.ID, "map2").is_displayed() and data("leftDate") == "2022-01-20")
    wait.until(lambda _: count("#map2 path.detection") > 0 and count("#map path.detection") == later_detections)
    d.execute_script("fw.maps.main.panBy([120, 60], {animate: false})")
    centres = d.execute_script(
        "const a = fw.maps.main.getCenter(), b = fw.maps.left.getCenter();"
        "const px = fw.maps.left.latLngToContainerPoint(a).distanceTo(fw.maps.left.latLngToContainerPoint(b));"
        "return [a.lat, a.lng, b.lat, b.lng, fw.maps.main.getZoom(), fw.maps.left.getZoom(), px]"
    )
    # the same centre to a screen pixel: a moved map reads its centre back from whole pixels (Leaflet)
    assert centres[6] <= 1.0, centres
    assert centres[4] == centres[5]
    d.execute_script("fw.maps.main.panBy([-120, -60], {animate: false})")
    wait.until(lambda _: count("#map2 .imagery img.leaflet-tile-loaded") >= 4)
    d.save_screenshot(str(ARTIFACTS / "8-side-by-side.png"))
    d.find_element(By.ID, "side-by-side").click()
    wait.until(lambda _: not d.find_element(By.ID, "map2").is_displayed())

    # draw a missed object: d, then drag a box on the map; it is stored and shown at once
    assert Select(d.find_element(By.ID, "draw-class")).first_selected_option.text == "aircraft"
    added_before = count("path.label-added")
    body.send_keys("d")
    wait.until(lambda _: "drawing" in str(body.get_attribute("class")))
    m = d.find_element(By.ID, "map")
    ActionChains(d).move_to_element_with_offset(m, -150, 120).click_and_hold().move_by_offset(40, 30).move_by_offset(
        20, 15
    ).release().perform()
    wait.until(lambda _: d.find_element(By.ID, "draw-status").get_attribute("data-stored") == "1")
    wait.until(lambda _: count("path.label-added") == added_before + 1)
    d.save_screenshot(str(ARTIFACTS / "9-drawn.png"))
    with open_workspace(imagery_ws) as store:
        drawn = [lab for lab in store.labels() if lab.status == "added" and lab.who == "anna"]
    assert len(drawn) == 1 and drawn[0].class_name == "aircraft" and drawn[0].source == "dashboard"
    assert "added" in d.find_element(By.ID, "label-counts").text

    # train on my labels: start (in the background), see it going, stop it
    start = d.find_element(By.ID, "train-start")
    assert (
        start.is_enabled()
        and Select(d.find_element(By.ID, "train-init")).first_selected_option.get_attribute("value") == "aircraft"
    )
    d.execute_script("document.getElementById('train-panel').scrollIntoView()")
    start.click()
    state = d.find_element(By.ID, "train-state")
    wait.until(lambda _: state.get_attribute("data-state") in ("starting", "running"))
    assert not start.is_enabled()
    d.save_screenshot(str(ARTIFACTS / "10-training.png"))
    d.find_element(By.ID, "train-stop").click()
    wait.until(lambda _: state.get_attribute("data-state") == "stopped")
    assert "stopped by anna" in state.text and start.is_enabled()

    # the brief of the site
    d.find_element(By.ID, "brief-site").click()
    status = d.find_element(By.ID, "brief-status")
    wait.until(lambda _: status.get_attribute("data-file") == "forcewatch-brief-luninets-airfield.html")
    assert status.text.startswith("Downloaded forcewatch-brief-luninets-airfield.html (")
    d.save_screenshot(str(ARTIFACTS / "11-brief.png"))

    # a small real run (started through the API: the page offers minutes, not steps), followed by the
    # page until it shows the score reached and where the model is
    for _ in range(4):
        body.send_keys("n")
        body.send_keys("a")
        wait.until(lambda _: d.find_element(By.ID, "selected").get_attribute("data-review") == "accepted")
        d.execute_script("document.getElementById('selected').dataset.review = ''")
    body_js = f"{{site: {site_id}, init: 'aircraft', iterations: 2, batch_size: 2, crop_px: 96, cv_folds: 2}}"
    code = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/train', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token':"
        f"document.querySelector('meta[name=csrf-token]').content}}, body: JSON.stringify({body_js})}})"
        ".then((r) => done(r.status));"
    )
    assert code == 202
    d.refresh()
    state = WebDriverWait(d, 30).until(lambda _: d.find_element(By.ID, "train-state"))
    WebDriverWait(d, 240).until(lambda _: d.find_element(By.ID, "train-state").get_attribute("data-state") == "done")
    result = d.find_element(By.ID, "train-result")
    # the accepted aircraft and the drawn box share one training chip (512 m): nothing can be held out
    assert "No held-out score: only 1 chip has objects" in result.text
    assert d.find_element(By.CSS_SELECTOR, ".model-path").text.endswith("/model.onnx")
    d.execute_script("document.getElementById('train-panel').scrollIntoView()")
    d.save_screenshot(str(ARTIFACTS / "12-trained.png"))

    # a viewer sees the same site, but neither drawing nor training
    d.find_element(By.ID, "logout").click()
    wait.until(lambda _: count("#name") == 1)
    d.find_element(By.ID, "name").send_keys("vera")
    d.find_element(By.ID, "password").send_keys(PASSWORDS["vera"])
    d.find_element(By.ID, "submit").click()
    wait.until(lambda _: count("a.site-link") >= 6)
    d.get(f"{imagery_server}/sites/{site_id}")
    wait.until(lambda _: data("date") == "2022-02-10" and count("path.detection") == later_detections)
    assert count("#draw-panel") == 0 and count("#train-panel") == 0
    assert "aircraft: 1 added, 4 accepted" in d.find_element(By.ID, "label-counts").text
    errors = [
        e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]
    ]
    assert errors == []
