"""Page weights and map timings in a real browser (Debian's Chromium, headless).

Starts uvicorn on a free localhost port against DATABASE_URL (use your own database, seeded
by ``bench/map_layer.py --incidents 100000``), signs in an analyst and a field supervisor,
and measures:

* transferred bytes and request count of each page (cold cache), and time to "ready";
* the dashboard with every incident in view (period=all, country zoom): time for the
  incident layer request, and after a zoom-in and a pan the time until the new layer is drawn;
* the longest gap between animation frames while the map pans (responsiveness);
* the reference in the same run: the same browser drawing every incident in view as its own
  canvas circle marker (what a layer without aggregation does), timed the same way;
* first paint of the map with incidents (navigation start until the frame after the incident
  layer is drawn; median of ``--runs``), for this tree and, with ``--baseline-rev REV``, for
  that git revision checked out into a temporary folder and served by a second server on the
  same database in the same run (runs interleaved, so both see the same machine load).

Prints JSON. Usage::

    DATABASE_URL=postgis://khareetaty@127.0.0.1:54329/kh_web REDIS_URL=redis://127.0.0.1:63799/6 \\
        .venv/bin/python bench/web_pages.py --runs 9 --baseline-rev 2484fa8
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khareetaty.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from incidents.models import Incident  # noqa: E402
from khareetaty.accounts.choices import Language, Role  # noqa: E402
from khareetaty.accounts.models import User  # noqa: E402
from khareetaty.accounts.services import user_create  # noqa: E402
from khareetaty.testing import free_port  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEIGHT_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return {requests: res.length + 1,
          bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
          dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd)};
}"""
NAIVE_JS = """(n) => new Promise(resolve => {
  // Reference: every incident as its own canvas marker (what a naive client layer does).
  const map = KHDashboard.map, b = map.getBounds(), group = L.layerGroup(), canvas = L.canvas();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const lat = b.getSouth() + Math.random() * (b.getNorth() - b.getSouth());
    const lon = b.getWest() + Math.random() * (b.getEast() - b.getWest());
    group.addLayer(L.circleMarker([lat, lon], {renderer: canvas, radius: 4}));
  }
  group.addTo(map);
  requestAnimationFrame(() => {
    const drawn = Math.round(performance.now() - started);
    let last = performance.now(), worst = 0, frames = 0;
    function tick(now) { worst = Math.max(worst, now - last); last = now; frames++;
      if (frames < 30) requestAnimationFrame(tick);
      else { map.removeLayer(group); resolve({markers: n, until_drawn_ms: drawn, max_frame_gap_ms_while_panning: Math.round(worst)}); } }
    requestAnimationFrame(tick); map.panBy([300, 120], {animate: true, duration: 1.0});
  });
})"""
FRAME_GAP_JS = """() => new Promise(resolve => {
  const map = KHDashboard.map; let last = performance.now(), worst = 0, frames = 0;
  function tick(now) { worst = Math.max(worst, now - last); last = now; frames++;
    if (frames < 90) requestAnimationFrame(tick); else resolve({max_frame_gap_ms: Math.round(worst), frames}); }
  requestAnimationFrame(tick); map.panBy([300, 120], {animate: true, duration: 1.0});
})"""


# Marks the frame after the incident layer is first drawn (the page sets #map's
# data-incidents when it has drawn the layer; the canvas paints on the next frames). It only
# watches the page, so it times any revision of the dashboard the same way.
FIRST_PAINT_JS = """
new MutationObserver(function (changes, observer) {
  const map = document.getElementById("map");
  if (!map || map.dataset.incidents === undefined) return;
  observer.disconnect();
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__khFirstPaint = performance.now();
  }));
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-incidents"] });
"""


def session_for(username: str, role: str) -> str:
    user = User.objects.filter(username=username).first() or user_create(
        username=username,
        password="Bench-Password-42",  # noqa: S106 (a local benchmark user)
        role=role,
        preferred_language=Language.ENGLISH,
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def wait_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (localhost)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def page_weight(browser, base: str, session: str, path: str, viewport: dict, ready: str) -> dict:
    context = browser.new_context(viewport=viewport, base_url=base, bypass_csp=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    started = time.perf_counter()
    page.goto(path)
    page.wait_for_selector(ready, timeout=60_000)
    ready_ms = round((time.perf_counter() - started) * 1000)
    page.wait_for_load_state("networkidle")
    weight = page.evaluate(WEIGHT_JS)
    context.close()
    return {**weight, "ready_ms": ready_ms}


def map_timings(browser, base: str, session: str) -> dict:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, base_url=base, bypass_csp=True
    )
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    page = context.new_page()
    page.goto("/dashboard/?period=all&at=29.3,47.8,8")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    first = {
        "incidents_in_view": int(page.get_attribute("#map", "data-incidents")),
        "layer_request_ms": int(page.get_attribute("#map", "data-layer-ms")),
        "layer_kind": page.get_attribute("#map", "data-layer-kind"),
    }
    steps = {}
    for name, action in [
        ("zoom_in_to_11", "KHDashboard.map.setView([29.33, 47.99], 11, {animate: false}); null"),
        ("pan", "KHDashboard.map.panBy([250, 0], {animate: false}); null"),
        ("zoom_to_15", "KHDashboard.map.setView([29.37, 47.98], 15, {animate: false}); null"),
        (
            "heat_mode",
            "(() => { const s = document.querySelector('select[name=mode]'); s.value = 'heat'; s.dispatchEvent(new Event('change', {bubbles: true})); KHDashboard.map.setView([29.3, 47.8], 9, {animate: false}); })()",
        ),
    ]:
        marker = page.get_attribute("#map", "data-layer-ms")
        started = time.perf_counter()
        page.evaluate("document.querySelector('#map').dataset.layerMs = 'x'")
        page.evaluate(action)
        page.wait_for_function(
            "document.querySelector('#map').dataset.layerMs !== 'x'", timeout=30_000
        )
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        steps[name] = {
            "until_drawn_ms": round((time.perf_counter() - started) * 1000),
            "layer_request_ms": int(page.get_attribute("#map", "data-layer-ms")),
            "incidents_in_view": int(page.get_attribute("#map", "data-incidents")),
            "kind": page.get_attribute("#map", "data-layer-kind"),
        }
        del marker
    page.evaluate("KHDashboard.map.setView([29.3, 47.8], 9, {animate: false}); null")
    page.wait_for_timeout(500)
    frames = page.evaluate(FRAME_GAP_JS)
    naive = page.evaluate(NAIVE_JS, first["incidents_in_view"])
    context.close()
    return {
        "first_load": first,
        "after": steps,
        "pan_animation": frames,
        "reference_every_incident_as_a_marker": naive,
    }


def first_paint_ms(browser, base: str, session: str) -> float:
    """One cold page load of the dashboard (every incident in view): ms until painted."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, base_url=base, bypass_csp=True
    )
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    context.add_init_script(FIRST_PAINT_JS)
    page = context.new_page()
    page.goto("/dashboard/?period=all&at=29.3,47.8,8")
    try:
        page.wait_for_function("() => window.__khFirstPaint !== undefined", timeout=30_000)
    except PlaywrightTimeout:
        state = page.evaluate("() => document.getElementById('map').dataset.incidents")
        print(f"first paint not seen on {base} (data-incidents={state!r})", file=sys.stderr)
        context.close()
        return None
    painted = page.evaluate("() => window.__khFirstPaint")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    context.close()
    return painted


def first_paint(browser, servers: dict[str, str], session: str, runs: int) -> dict:
    """Median first paint per server, runs interleaved; a warm-up load each first."""
    samples: dict[str, list[float]] = {name: [] for name in servers}
    for base in servers.values():
        first_paint_ms(browser, base, session)  # warm caches, templates, connections
    failed = dict.fromkeys(servers, 0)
    for _ in range(runs):
        for name, base in servers.items():
            painted = first_paint_ms(browser, base, session)
            if painted is None:
                failed[name] += 1
            else:
                samples[name].append(painted)
    return {
        name: {
            "median_ms": round(statistics.median(values)) if values else None,
            "min_ms": round(min(values)) if values else None,
            "max_ms": round(max(values)) if values else None,
            "runs": len(values),
            "not_painted_within_30_s": failed[name],
        }
        for name, values in samples.items()
    }


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "khareetaty.asgi:application",
            "--app-dir",
            str(folder),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=folder,
        # DEBUG serves static files through the finders, without collectstatic.
        # A generous API rate: the benchmark loads the page many times as one user.
        env={
            **os.environ,
            "DEBUG": "true",
            "PYTHONPATH": str(folder),
            "API_RATE_LIMIT": "100000/min",
        },
    )
    base = f"http://127.0.0.1:{port}"
    wait_up(base)
    return server, base


def checkout(rev: str) -> Path:
    """The tree of ``rev`` in a temporary folder (git archive: no worktree bookkeeping)."""
    folder = Path(tempfile.mkdtemp(prefix="kh-bench-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7, help="page loads per server (median)")
    parser.add_argument("--baseline-rev", help="git revision to compare the first paint with")
    parser.add_argument("--first-paint-only", action="store_true")
    args = parser.parse_args()
    total = Incident.objects.count()
    server, base = start_server(ROOT)
    baseline_dir = checkout(args.baseline_rev) if args.baseline_rev else None
    baseline = start_server(baseline_dir) if baseline_dir else None
    try:
        analyst = session_for("bench-analyst", Role.ANALYST)
        servers = {"this_tree": base}
        if baseline:
            servers[f"baseline_{args.baseline_rev}"] = baseline[1]
        if args.first_paint_only:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                painted = first_paint(browser, servers, analyst, args.runs)
                browser.close()
            result = {"incidents_total": total, "map_first_paint": painted}
            print(json.dumps(result, indent=2))
            return
        analyst = session_for("bench-analyst", Role.ANALYST)
        supervisor = session_for("bench-field", Role.FIELD_SUPERVISOR)
        desktop, phone = {"width": 1440, "height": 900}, {"width": 360, "height": 740}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            pages = {
                "login": page_weight(
                    browser, base, "", "/accounts/login/", desktop, "#id_username"
                ),
                "dashboard": page_weight(
                    browser,
                    base,
                    analyst,
                    "/dashboard/?period=all",
                    desktop,
                    "body[data-ready='1']",
                ),
                "analytics": page_weight(
                    browser, base, analyst, "/analytics/", desktop, "#runs table, #runs p"
                ),
                "field_home_phone": page_weight(
                    browser, base, supervisor, "/field/", phone, ".task-list li"
                ),
            }
            timings = map_timings(browser, base, analyst)
            painted = first_paint(browser, servers, analyst, args.runs)
            browser.close()
        result = {"incidents_total": total, "map_first_paint": painted, "pages": pages}
        print(json.dumps({**result, "map": timings}, indent=2))
    finally:
        for running in [server] + ([baseline[0]] if baseline else []):
            running.terminate()
            running.wait(timeout=10)
        if baseline_dir:
            shutil.rmtree(baseline_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
