"""The Kubernetes manifests render and validate offline: every built-in object against the
pinned Kubernetes version's schemas (kubernetes-validate, strict), the CloudNativePG objects
against the vendored CRD schemas; and they say what docs/availability.md promises."""

import copy
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
sys.path.insert(0, str(ROOT / "deploy"))
from kustomize_build import KustomizationError, build  # noqa: E402

KUBERNETES_VERSION = "1.34.0"
CNPG_CRDS = ROOT / "deploy" / "vendor" / "cloudnative-pg"
WORKLOADS = {"Deployment", "StatefulSet", "Job", "CronJob"}


def _crd_schemas() -> dict[tuple[str, str], dict]:
    schemas = {}
    for path in CNPG_CRDS.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            api_version = f"{crd['spec']['group']}/{version['name']}"
            schemas[(api_version, crd["spec"]["names"]["kind"])] = version["schema"][
                "openAPIV3Schema"
            ]
    return schemas


CRD_SCHEMAS = _crd_schemas()


def validate(obj: dict) -> None:
    """Raise on an invalid object; an object of a kind nobody has a schema for is invalid."""
    key = (obj["apiVersion"], obj["kind"])
    if key in CRD_SCHEMAS:
        jsonschema.Draft7Validator(CRD_SCHEMAS[key]).validate(obj)
        return
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    objects = build(ROOT / "deploy" / "kubernetes") + build(
        ROOT / "deploy" / "kubernetes" / "migrate"
    )
    return objects


def by_kind(objects, kind) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def pod_spec(obj: dict) -> dict:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def test_every_object_validates_against_the_pinned_schemas(rendered):
    assert len(rendered) > 25
    for obj in rendered:
        validate(obj)
    kinds = {obj["kind"] for obj in rendered}
    assert {"Cluster", "ScheduledBackup", "Deployment", "StatefulSet", "Job", "CronJob"} <= kinds
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress"} <= kinds


def test_the_validators_reject_invalid_objects(rendered):
    web = copy.deepcopy(by_kind(rendered, "Deployment")["web"])
    web["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(web)
    typo = copy.deepcopy(by_kind(rendered, "Deployment")["web"])
    typo["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(typo)
    cluster = copy.deepcopy(by_kind(rendered, "Cluster")["khareetaty-db"])
    cluster["spec"]["instances"] = "three"
    with pytest.raises(jsonschema.ValidationError):
        validate(cluster)
    unknown = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "x"}}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate(unknown)


def test_the_renderer_refuses_kustomize_features_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\npatches: []\n")
    with pytest.raises(KustomizationError):
        build(tmp_path)


def test_one_image_non_root_read_only_with_requests_and_limits(rendered):
    app_images = set()
    for obj in rendered:
        if obj["kind"] not in WORKLOADS:
            continue
        pod = pod_spec(obj)
        assert pod["securityContext"]["runAsNonRoot"] is True, obj["metadata"]["name"]
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound])
            if obj["metadata"]["labels"].get("app.kubernetes.io/name") == "khareetaty":
                app_images.add(container["image"])
    assert app_images == {"registry.example.kw/khareetaty:1.0.0"}
    dockerfile = (ROOT / "Dockerfile").read_text()
    bases = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert bases and all(base.count(".") >= 2 for base in bases), bases  # a patch release


def test_processes_replicas_probes_and_autoscaling(rendered):
    deployments = by_kind(rendered, "Deployment")
    assert {"web", "alerts-worker", "worker", "beat"} <= set(deployments)
    web = deployments["web"]
    assert web["spec"]["replicas"] >= 2
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"].startswith("/readyz")
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert deployments["alerts-worker"]["spec"]["replicas"] >= 2
    # Beat: standbys may run; the leader lock lets one fire (test_beat_leader.py).
    assert "beat" in deployments["beat"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert settings.CELERY_BEAT_SCHEDULER == "khareetaty.beat:LeaderDatabaseScheduler"
    hpas = by_kind(rendered, "HorizontalPodAutoscaler")
    assert hpas["web"]["spec"]["minReplicas"] >= 2
    assert hpas["web"]["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    queue_metric = hpas["worker"]["spec"]["metrics"][0]["external"]["metric"]
    assert queue_metric["name"] == "khareetaty_celery_queue_length"
    pdbs = by_kind(rendered, "PodDisruptionBudget")
    assert set(deployments) | {"redis"} <= set(pdbs)
    for name in ("web", "alerts-worker", "worker"):
        spread = deployments[name]["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} == {
            "topology.kubernetes.io/zone",
            "kubernetes.io/hostname",
        }
    migrate = by_kind(rendered, "Job")["migrate"]
    assert "migrate" in migrate["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert migrate["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"


def test_database_redis_network_and_ingress(rendered):
    cluster = by_kind(rendered, "Cluster")["khareetaty-db"]["spec"]
    assert cluster["instances"] == 3
    assert cluster["postgresql"]["synchronous"]["number"] >= 1
    assert cluster["backup"]["barmanObjectStore"]["wal"]
    assert by_kind(rendered, "ScheduledBackup")["khareetaty-db-nightly"]
    assert by_kind(rendered, "StatefulSet")["redis"]["spec"]["replicas"] == 3
    config = by_kind(rendered, "ConfigMap")["khareetaty-config"]["data"]
    assert len(config["REDIS_SENTINELS"].split(",")) == 3
    policies = by_kind(rendered, "NetworkPolicy")
    assert policies["default-deny-ingress"]["spec"]["podSelector"] == {}
    web_from = policies["web-from-ingress"]["spec"]["ingress"][0]["from"]
    assert all("namespaceSelector" in peer for peer in web_from)
    db_from = policies["database-from-app"]["spec"]["ingress"][0]["from"]
    assert {"khareetaty.kw/database-client": "true"} in [
        peer["podSelector"]["matchLabels"] for peer in db_from
    ]
    for obj in rendered:
        if obj["kind"] in WORKLOADS and obj["metadata"]["name"] != "redis":
            labels = (
                obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
                if obj["kind"] == "CronJob"
                else obj["spec"]["template"]["metadata"]["labels"]
            )
            assert labels["khareetaty.kw/database-client"] == "true"
    ingress = by_kind(rendered, "Ingress")["khareetaty"]
    assert ingress["spec"]["tls"][0]["secretName"]
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert all(
        obj["metadata"].get("namespace") == "khareetaty"
        for obj in rendered
        if obj["kind"] != "Namespace"
    )
