"""Render deploy/kubernetes offline, for the tests and for reviewers without kubectl.

Implements the part of Kustomize the manifests use (resources, namespace, labels, images) and
refuses any other kustomization field, so what it renders is what `kubectl apply -k` applies.
Usage: python deploy/kustomize_build.py deploy/kubernetes > rendered.yaml
"""

import sys
from pathlib import Path

import yaml

SUPPORTED = {"apiVersion", "kind", "namespace", "labels", "resources", "images"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


class KustomizationError(Exception):
    pass


def _pod_specs(obj: dict):
    spec = obj.get("spec", {})
    kind = obj["kind"]
    if kind == "Pod":
        yield spec
    elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
        yield spec["template"]["spec"]
    elif kind == "CronJob":
        yield spec["jobTemplate"]["spec"]["template"]["spec"]


def _set_images(obj: dict, images: list[dict]) -> None:
    for pod in _pod_specs(obj):
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            name = container["image"].split("@")[0].rsplit(":", 1)[0]
            for image in images:
                if image["name"] == name:
                    tag = image.get("newTag")
                    container["image"] = image.get("newName", name) + (f":{tag}" if tag else "")
                    if image.get("digest"):
                        container["image"] = image.get("newName", name) + "@" + image["digest"]


def build(directory: Path) -> list[dict]:
    config = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(config) - SUPPORTED
    if unknown:
        raise KustomizationError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    objects: list[dict] = []
    for resource in config.get("resources", []):
        path = directory / resource
        if path.is_dir():
            objects.extend(build(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for obj in objects:
        metadata = obj.setdefault("metadata", {})
        if config.get("namespace") and obj["kind"] not in CLUSTER_SCOPED:
            metadata["namespace"] = config["namespace"]
        for label_set in config.get("labels", []):
            if set(label_set) - {"pairs"}:
                raise KustomizationError(f"{directory}: only plain label pairs are supported")
            metadata.setdefault("labels", {}).update(label_set["pairs"])
        _set_images(obj, config.get("images", []))
    return objects


if __name__ == "__main__":
    yaml.safe_dump_all(build(Path(sys.argv[1])), sys.stdout, sort_keys=False)
