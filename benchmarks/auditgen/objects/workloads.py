"""Pods and Deployments, as controllers send them and as the apiserver stores them."""
from __future__ import annotations

import json

from ..goformat import COMPACT
from . import padding
from .managed_fields import managed_field


def _container(name, image, port, n_env, main=True, privileged=False):
    c = {"name": name, "image": image}
    if not main:
        c["args"] = ["--config=/etc/" + name + "/config.yaml", "--log-level=info"]
    c["ports"] = [{"name": "http" if main else "metrics", "containerPort": port, "protocol": "TCP"}]
    if main:
        c["ports"].append({"name": "metrics", "containerPort": 9090, "protocol": "TCP"})
        c["envFrom"] = [{"configMapRef": {"name": "@@app@@-config"}}]
    c["env"] = padding.env_vars(n_env, with_refs=main)
    c["resources"] = {"limits": {"cpu": "1" if main else "200m", "memory": "1Gi" if main else "256Mi"},
                      "requests": {"cpu": "250m" if main else "50m", "memory": "512Mi" if main else "64Mi"}}
    c["volumeMounts"] = [{"name": "kube-api-access-@@kaa@@", "readOnly": True,
                          "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
    if main:
        c["volumeMounts"] = [{"name": "config", "readOnly": True, "mountPath": "/etc/@@app@@"},
                             {"name": "tls", "readOnly": True, "mountPath": "/etc/tls"}] + c["volumeMounts"]
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                              "initialDelaySeconds": 10, "timeoutSeconds": 1, "periodSeconds": 10,
                              "successThreshold": 1, "failureThreshold": 3}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                               "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3}
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = "IfNotPresent"
    if privileged:
        c["securityContext"] = {"privileged": True}
    else:
        c["securityContext"] = {"capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True, "readOnlyRootFilesystem": True,
                                "allowPrivilegeEscalation": False}
    return c


def _pod_spec(k: int, *, node: bool, defaults: bool, privileged: bool = False):
    n_side = min(len(padding.SIDECARS), k // 2)
    containers = [_container("@@app@@", "@@image@@", 8080, 6 + 3 * k, privileged=privileged)]
    for name, image, port in padding.SIDECARS[:n_side]:
        containers.append(_container(name, image, port, 3 + k // 2, main=False))
    vols = [{"name": "config", "configMap": {"name": "@@app@@-config", "defaultMode": 420}},
            {"name": "tls", "secret": {"secretName": "@@app@@-tls", "defaultMode": 420}}]
    for name, _, _ in padding.SIDECARS[:n_side]:
        vols.append({"name": name + "-config", "configMap": {"name": "@@app@@-" + name, "defaultMode": 420}})
    vols.append({"name": "kube-api-access-@@kaa@@", "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}],
        "defaultMode": 420}})
    spec = {"volumes": vols, "containers": containers, "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst", "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": "@@sa@@", "serviceAccount": "@@sa@@"}
    if node:
        spec["nodeName"] = "@@node@@"
    spec["securityContext"] = {} if privileged else {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                                                     "seccompProfile": {"type": "RuntimeDefault"}}
    spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}},
                                            "topologyKey": "kubernetes.io/hostname"}}]}}
    spec["schedulerName"] = "default-scheduler"
    spec["tolerations"] = [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": 300},
                           {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": 300}]
    if defaults:
        spec["priority"] = 0
        spec["enableServiceLinks"] = True
        spec["preemptionPolicy"] = "PreemptLowerPriority"
    if k >= 4:
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                              "whenUnsatisfiable": "ScheduleAnyway",
                                              "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}}}]
    return spec


def pod_labels(k):
    return padding.labels(k, {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/instance": "@@app@@-@@ns@@",
                       "app.kubernetes.io/part-of": "@@ns@@", "app.kubernetes.io/version": "@@tag@@",
                       "pod-template-hash": "@@hash@@"})


def _pod_status(spec, running: bool):
    if not running:
        return {"phase": "Pending", "qosClass": "Burstable"}
    conds = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": "@@started@@"}
             for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    statuses = []
    for j, c in enumerate(spec["containers"]):
        statuses.append({"name": c["name"], "state": {"running": {"startedAt": "@@started@@"}}, "lastState": {},
                         "ready": True, "restartCount": 0, "image": c["image"],
                         "imageID": c["image"].split(":")[0] + "@sha256:@@digest@@",
                         "containerID": "containerd://@@cid@@%02x" % j, "started": True})
    return {"phase": "Running", "conditions": conds, "hostIP": "@@host_ip@@", "hostIPs": [{"ip": "@@host_ip@@"}],
            "podIP": "@@pod_ip@@", "podIPs": [{"ip": "@@pod_ip@@"}], "startTime": "@@started@@",
            "containerStatuses": statuses, "qosClass": "Burstable"}


def owner_references(controller=True):
    o = {"apiVersion": "apps/v1", "kind": "@@okind@@", "name": "@@owner@@", "uid": "@@owner_uid@@"}
    if controller:
        o["controller"] = True
        o["blockOwnerDeletion"] = True
    return [o]


def pod(k, *, stored: bool, running: bool, deleting: bool = False, managed: bool = True):
    """A Pod of the app. stored=False: as the ReplicaSet controller sends it (generateName, no uid)."""
    spec = _pod_spec(k, node=running, defaults=stored)
    meta = {}
    if stored:
        meta["name"] = "@@name@@"
    meta["generateName"] = "@@owner@@-"
    meta["namespace"] = "@@ns@@"
    if stored:
        meta["uid"] = "@@uid@@"
        meta["resourceVersion"] = "@@rv2@@"
        meta["creationTimestamp"] = "@@ts@@"
    else:
        meta["creationTimestamp"] = None
    if deleting:
        meta["deletionTimestamp"] = "@@now@@"
        meta["deletionGracePeriodSeconds"] = 0
    meta["labels"] = pod_labels(k)
    meta["annotations"] = padding.annotations(3 + k // 2, {"kubectl.kubernetes.io/restartedAt": "2026-11-18T16:02:11Z"})
    meta["ownerReferences"] = owner_references()
    status = _pod_status(spec, running) if stored else {}
    if stored and managed:
        mfs = [managed_field("kube-controller-manager", "Update", "v1", "@@ts@@",
                   {"metadata": {k2: meta[k2] for k2 in ("generateName", "labels", "annotations", "ownerReferences")},
                    "spec": {k2: v for k2, v in spec.items() if k2 != "nodeName"}})]
        if running:
            mfs.append(managed_field("kubelet", "Update", "v1", "@@started@@", {"status": {k2: v for k2, v in status.items()
                                                                             if k2 != "qosClass"}}, "status"))
        meta["managedFields"] = mfs
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}


def deployment(k: int, *, last_applied: bool, stored: bool = True):
    tmpl_spec = _pod_spec(k, node=False, defaults=stored)
    labels = padding.labels(min(k, len(padding.EXTRA_LABELS)), {"app.kubernetes.io/name": "@@app@@",
                                                  "app.kubernetes.io/instance": "@@app@@-@@ns@@",
                                                  "app.kubernetes.io/version": "@@tag@@"})
    tmpl_labels = {key: v for key, v in labels.items()}
    tmpl = {"metadata": {"creationTimestamp": None, "labels": tmpl_labels,
                         "annotations": padding.annotations(3 + k // 2, {"kubectl.kubernetes.io/restartedAt": "2026-11-18T16:02:11Z"})},
            "spec": tmpl_spec}
    spec = {"replicas": 3, "selector": {"matchLabels": {"app.kubernetes.io/name": "@@app@@"}}, "template": tmpl,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}
    meta = {"name": "@@app@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "generation": 42, "creationTimestamp": "@@ts@@"})
    meta["labels"] = labels
    ann = {"deployment.kubernetes.io/revision": "41"} if stored else {}
    if last_applied:
        applied = {"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"annotations": {}, "labels": labels, "name": "@@app@@", "namespace": "@@ns@@"},
                   "spec": {"replicas": 3, "selector": spec["selector"],
                            "template": {"metadata": {"annotations": tmpl["metadata"]["annotations"], "labels": tmpl_labels},
                                         "spec": {key: v for key, v in _pod_spec(k, node=False, defaults=False).items()
                                                  if key not in ("serviceAccount",)}}}}
        ann["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(applied, separators=COMPACT, sort_keys=True) + "\n"
    if ann:
        meta["annotations"] = dict(sorted(ann.items()))
    obj = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": meta, "spec": spec}
    if stored:
        status = {"observedGeneration": 42, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                  "conditions": [
                      {"type": "Available", "status": "True", "lastUpdateTime": "@@ts@@", "lastTransitionTime": "@@ts@@",
                       "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                      {"type": "Progressing", "status": "True", "lastUpdateTime": "@@now@@", "lastTransitionTime": "@@ts@@",
                       "reason": "NewReplicaSetAvailable", "message": 'ReplicaSet "@@app@@-@@hash@@" has successfully progressed.'}]}
        obj["status"] = status
        meta["managedFields"] = [
            managed_field("kubectl-client-side-apply", "Update", "apps/v1", "@@now@@", {"metadata": {"annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": ""}, "labels": labels}, "spec": spec}),
            managed_field("kube-controller-manager", "Update", "apps/v1", "@@now@@", {"metadata": {"annotations": {
                "deployment.kubernetes.io/revision": ""}}, "status": status}, "status")]
    return obj


def privileged_pod(stored: bool):
    spec = {"volumes": [{"name": "host-root", "hostPath": {"path": "/", "type": ""}}],
            "containers": [{"name": "@@podname@@", "image": "docker.io/library/ubuntu:24.04", "command": ["nsenter"],
                            "args": ["--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--", "bash", "-l"],
                            "resources": {}, "volumeMounts": [{"name": "host-root", "mountPath": "/host"}],
                            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent", "securityContext": {"privileged": True},
                            "stdin": True, "stdinOnce": True, "tty": True}],
            "restartPolicy": "Never", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "nodeName": "@@node@@", "hostNetwork": True, "hostPID": True, "hostIPC": True, "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [{"operator": "Exists"}]}
    meta = {"name": "@@podname@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
        spec.update({"serviceAccountName": "default", "serviceAccount": "default", "priority": 0,
                     "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority"})
    else:
        meta["creationTimestamp"] = None
    meta["labels"] = {"run": "@@podname@@"}
    obj = {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec,
           "status": {"phase": "Pending", "qosClass": "BestEffort"} if stored else {}}
    if stored:
        meta["managedFields"] = [managed_field("kubectl-run", "Update", "v1", "@@now@@",
                                     {"metadata": {"labels": meta["labels"]}, "spec": {k: v for k, v in spec.items()
                                                                                       if k not in ("serviceAccount", "serviceAccountName")}})]
    return obj
