"""docs/interop.md's curl examples, run as written against a live server (uvicorn, as
``make run`` starts it), with a real key and a superadmin's token."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from incidents.models import Category
from interop.services import accounts
from iot.services.devices import device_create
from khareetaty.accounts.choices import Role
from khareetaty.accounts.tokens import CredentialBoundRefreshToken
from khareetaty.tests.test_web_process import (
    free_port,
    make_run_environment,
    running_web_process,
)

DOC = Path(settings.BASE_DIR) / "docs" / "interop.md"
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


@pytest.fixture(scope="module")
def api_server(tmp_path_factory, django_db_setup, django_db_blocker):
    """uvicorn with the Procfile's arguments and ``make run``'s variables, on the test
    database. The API needs no static files, so collectstatic is not run."""
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    port = free_port()
    env = make_run_environment(port, tmp_path_factory.mktemp("static"), database_name)
    log_path = tmp_path_factory.mktemp("uvicorn") / "stderr.log"
    with running_web_process(port, env, log_path) as base:
        yield base


def doc_examples() -> list[str]:
    return SH_BLOCK.findall(DOC.read_text(encoding="utf-8"))


def run(example: str, env: dict) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (example, done.stdout, done.stderr)
    return done.stdout


def test_the_doc_has_an_example_for_each_step():
    examples = doc_examples()
    assert len(examples) == 7
    assert all("curl" in example for example in examples)


@pytest.mark.django_db(transaction=True)
def test_the_docs_curl_examples_work_against_a_live_server(
    api_server,
    regions,
    agency,
    make_user,
):
    account = accounts.service_account_create(
        actor=None,
        agency=agency,
        name="docs",
        scopes=["incidents:read", "incidents:write", "events:write"],
        region_ids=[r.pk for r in regions.values()],
        category_ids=list(Category.objects.values_list("pk", flat=True)),
    )
    _key, secret = accounts.key_create(actor=None, account=account, name="docs")
    device_create(
        kind="cctv", agency=agency.code, external_id="cam-0001", lon=47.98, lat=29.37, actor=None
    )
    token = CredentialBoundRefreshToken.for_user(make_user(Role.SUPERADMIN)).access_token
    env = {
        "KHAREETATY_URL": api_server,
        "KEY": secret,
        "TOKEN": str(token),
        "ACCOUNT": str(account.pk),
    }
    create_key, me, push, events, pull, eido, status = (
        run(example, env) for example in doc_examples()
    )
    created = json.loads(create_key)
    assert created["key"].startswith(created["prefix"] + ".")
    assert set(json.loads(me)["scopes"]) == {"incidents:read", "incidents:write", "events:write"}
    results = json.loads(push)["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    pushed_events = json.loads(events)
    assert [r["status"] for r in pushed_events["results"]] == ["stored", "rejected"]
    assert pushed_events["results"][1]["reasons"][0]["field"] == "at"
    pulled = json.loads(pull)
    assert pulled["type"] == "FeatureCollection"
    assert results[0]["id"] in [f["id"] for f in pulled["features"]]
    assert json.loads(eido)["eidos"] and "notesComponent" not in eido
    assert status.strip() == "200"
    # The key the superadmin just created works too (rotation: both live).
    env["KEY"] = created["key"]
    assert json.loads(run(doc_examples()[1], env))["key_prefix"] == created["prefix"]
