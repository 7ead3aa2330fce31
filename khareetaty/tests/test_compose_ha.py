"""docker-compose.ha.yml: valid against the Compose spec (offline, the schema vendored by
check-jsonschema) and shaped to survive a process crash on one host."""

import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_the_ha_compose_file_is_valid_and_redundant():
    binary = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [
            str(binary),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.ha.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    services = yaml.safe_load((ROOT / "docker-compose.ha.yml").read_text())["services"]
    webs = [name for name in services if name.startswith("web")]
    assert len(webs) == 2
    assert set(services["proxy"]["depends_on"]) == set(webs)
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["alerts-worker"]["deploy"]["replicas"] == 2
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in (*webs, "worker", "alerts-worker", "beat", "proxy", "db", "redis"):
        assert services[name]["restart"] == "unless-stopped", name
    for name in (*webs, "worker", "beat"):
        assert services[name]["read_only"] is True
        assert (
            services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )
    nginx = (ROOT / "deploy" / "compose" / "nginx.conf").read_text()
    upstreams = re.findall(r"server (web-[ab]):8000", nginx)
    assert sorted(upstreams) == sorted(webs)
    assert "proxy_next_upstream error timeout" in nginx
    assert "proxy_set_header Upgrade $http_upgrade" in nginx
    # Every image is pinned to a release, not a moving tag.
    for name, service in services.items():
        if "image" in service and not service.get("build"):
            assert re.search(r":\d+(\.\d+)*", service["image"]), (name, service["image"])
