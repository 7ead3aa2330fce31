"""A private Mosquitto for a test (started by the same script as the project-local one, in a
temporary var folder), so a test may restart it without disturbing anything else."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parents[2]


class Broker:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.port: int | None = None

    def start(self) -> None:
        args = [str(ROOT / "scripts" / "mosquitto_local.sh"), str(self.var)]
        if self.port:
            args.append(str(self.port))
        subprocess.run(args, check=True, capture_output=True)
        env = (self.var / "mosquitto" / "port.env").read_text()
        self.port = int(env.strip().split("=")[1])

    def stop(self) -> None:
        pid_file = self.var / "run" / "mosquitto.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        pid_file.unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def password(self, account: str) -> str:
        return (self.var / f"mqtt-{account}-password").read_text().strip()


def publisher(host: str, port: int, password: str, client_id: str) -> mqtt.Client:
    """A device-side client (the devices' broker account), connected, its loop running."""
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=False,
        protocol=mqtt.MQTTv311,
    )
    client.username_pw_set("khareetaty-device", password)
    client.reconnect_delay_set(0.2, 2)
    client.max_inflight_messages_set(100)
    client.connect(host, port, keepalive=10)
    client.loop_start()
    return client
