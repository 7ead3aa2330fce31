"""Locust: the real mix of a command center at work (issue 22).

Each simulated user is a signed-in analyst (a session cookie for the pages and map layers, a
JWT for the API; both made by ``bench/load.py``, which also starts the server and runs this
file headless at several user counts). The weights follow what the dashboard does: it polls
its summary and redraws the incident layer at several zooms, analysts filter the incident
list, now and then someone records an incident or acknowledges an alert, and partner
agencies pull incidents, hotspots and alerts through the interop API with their own keys.

    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 5 -t 30s --host http://127.0.0.1:8000
    (with KHAREETATY_LOAD_USERS=path/to/users.json from bench/load.py)
"""

import itertools
import json
import os
import random
from datetime import UTC, datetime

from locust import HttpUser, between, task

with open(os.environ["KHAREETATY_LOAD_USERS"]) as _file:
    _LOAD = json.load(_file)
_NEXT = itertools.cycle(_LOAD["users"])
_CATEGORIES = _LOAD["categories"]

# (bbox, zoom, mode): country, city, street, heat map.
VIEWS = [
    ("46.5,28.4,48.5,30.2", 8, "cluster"),
    ("47.85,29.2,48.1,29.4", 11, "cluster"),
    ("47.97,29.30,47.985,29.31", 15, "cluster"),
    ("46.5,28.4,48.5,30.2", 9, "heat"),
]
PERIODS = ["24h", "7d", "30d", "all"]


class Analyst(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        user = next(_NEXT)
        self.client.cookies.set("sessionid", user["session"])
        self.client.headers["Authorization"] = f"Bearer {user['access']}"
        self.client.headers["Accept-Language"] = "en"
        self.api_key = user["api_key"]

    @task(4)
    def dashboard_summary(self) -> None:
        self.client.get("/api/commands/dashboard", name="/api/commands/dashboard")

    @task(6)
    def map_layer(self) -> None:
        bbox, zoom, mode = random.choice(VIEWS)
        period = random.choice(PERIODS)
        self.client.get(
            f"/map/incidents?period={period}&bbox={bbox}&zoom={zoom}&mode={mode}",
            name=f"/map/incidents z{zoom} {mode}",
        )

    @task(3)
    def incident_list_filtered(self) -> None:
        severity = random.randint(1, 5)
        self.client.get(
            f"/api/incidents/?severity={severity}&ordering=-occurred_at",
            name="/api/incidents/?filters",
        )

    @task(1)
    def alerts_list_and_acknowledge(self) -> None:
        response = self.client.get("/api/commands/alerts?status=open", name="/api/commands/alerts")
        if response.status_code != 200:
            return
        body = response.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        if rows:
            alert = random.choice(rows)
            with self.client.post(
                f"/api/commands/alerts/{alert['id']}/acknowledge",
                json={},
                name="/api/commands/alerts/:id/acknowledge",
                catch_response=True,
            ) as ack:
                if ack.status_code in (200, 409):  # 409: someone else acknowledged it first
                    ack.success()

    @task(1)
    def create_incident(self) -> None:
        self.client.post(
            "/api/incidents/",
            json={
                "category": random.choice(_CATEGORIES),
                "occurred_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "lon": f"{47.9 + random.random() * 0.1:.5f}",
                "lat": f"{29.3 + random.random() * 0.1:.5f}",
                "severity": str(random.randint(1, 5)),
                "description": "load test",
            },
            name="/api/incidents/ POST",
        )

    @task(2)
    def interop_pull(self) -> None:
        kind = random.choice(["incidents?limit=100", "hotspots", "alerts"])
        self.client.get(
            f"/api/interop/v1/{kind}",
            headers={"Authorization": f"Api-Key {self.api_key}"},
            name=f"/api/interop/v1/{kind.split('?')[0]}",
        )
