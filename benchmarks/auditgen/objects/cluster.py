"""Cluster plumbing: Nodes, Leases, Services, Endpoints, Events, TokenRequests, RBAC bindings, CSRs."""
from __future__ import annotations

from ..goformat import b64
from . import padding
from .managed_fields import managed_field


def node(k: int, *, managed=True):
    images = []
    for j in range(8 + 6 * k):
        name = padding.IMAGES[j % len(padding.IMAGES)]
        tag = "v1.%d.%d" % (20 + j % 11, j % 7)
        images.append({"names": [f"{name}@sha256:@@digest@@{j:02x}", f"{name}:{tag}"],
                       "sizeBytes": 9_000_000 + (j * 7_654_321) % 480_000_000})
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": "@@name@@", "kubernetes.io/os": "linux",
              "node.kubernetes.io/instance-type": "m6i.2xlarge", "topology.kubernetes.io/region": "eu-west-1",
              "topology.kubernetes.io/zone": "eu-west-1@@zone@@", "node-role.kubernetes.io/worker": "",
              "example.com/pool": "general"}
    annotations = {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                   "node.alpha.kubernetes.io/ttl": "0",
                   "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                   "csi.volume.kubernetes.io/nodeid": '{"ebs.csi.aws.com":"i-0@@iid@@"}'}
    meta = {"name": "@@name@@", "uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@ts@@",
            "labels": dict(sorted(labels.items())), "annotations": dict(sorted(annotations.items()))}
    spec = {"podCIDR": "10.244.@@cidr@@.0/24", "podCIDRs": ["10.244.@@cidr@@.0/24"],
            "providerID": "aws:///eu-west-1@@zone@@/i-0@@iid@@"}
    conds = [("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
             ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
             ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
             ("Ready", "True", "KubeletReady", "kubelet is posting ready status")]
    status = {"capacity": {"cpu": "8", "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                           "memory": "32386544Ki", "pods": "110"},
              "allocatable": {"cpu": "7910m", "ephemeral-storage": "95551679124", "hugepages-1Gi": "0",
                              "hugepages-2Mi": "0", "memory": "31369712Ki", "pods": "110"},
              "conditions": [{"type": t, "status": s, "lastHeartbeatTime": "@@now@@", "lastTransitionTime": "@@ts@@",
                              "reason": rsn, "message": msg} for t, s, rsn, msg in conds],
              "addresses": [{"type": "InternalIP", "address": "@@host_ip@@"},
                            {"type": "InternalDNS", "address": "ip-@@dash_ip@@.eu-west-1.compute.internal"},
                            {"type": "Hostname", "address": "@@name@@"}],
              "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
              "nodeInfo": {"machineID": "ec2@@mid@@", "systemUUID": "ec2@@mid@@", "bootID": "@@boot@@",
                           "kernelVersion": "6.8.0-1017-aws", "osImage": "Ubuntu 24.04.1 LTS",
                           "containerRuntimeVersion": "containerd://1.7.22", "kubeletVersion": "@@kver@@",
                           "kubeProxyVersion": "@@kver@@", "operatingSystem": "linux", "architecture": "amd64"},
              "images": images}
    if managed:
        meta["managedFields"] = [
            managed_field("kubeadm", "Update", "v1", "@@ts@@", {"metadata": {"annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": ""}}}),
            managed_field("kube-controller-manager", "Update", "v1", "@@ts@@", {"metadata": {"annotations": {
                "node.alpha.kubernetes.io/ttl": ""}}, "spec": {"podCIDR": "", "podCIDRs": [""]}}),
            managed_field("kubelet", "Update", "v1", "@@ts@@", {"metadata": {"annotations": {
                "volumes.kubernetes.io/controller-managed-attach-detach": ""}, "labels": labels},
                "spec": {"providerID": ""}}),
            managed_field("kubelet", "Update", "v1", "@@now@@", {"status": {k2: v for k2, v in status.items() if k2 != "images"}},
                "status"),
        ]
    return {"kind": "Node", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}


def node_status_patch():
    types = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
    return {"status": {"$setElementOrder/conditions": [{"type": t} for t in types],
                       "conditions": [{"lastHeartbeatTime": "@@now@@", "type": t} for t in types]}}


def lease(node_lease: bool):
    meta = {"name": "@@name@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@",
            "creationTimestamp": "@@ts@@"}
    if node_lease:
        meta["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": "@@name@@", "uid": "@@owner_uid@@"}]
        spec = {"holderIdentity": "@@name@@", "leaseDurationSeconds": 40, "renewTime": "@@nowus@@"}
        mgr = "kubelet"
    else:
        spec = {"holderIdentity": "@@holder@@", "leaseDurationSeconds": 15, "acquireTime": "@@acquired@@",
                "renewTime": "@@nowus@@", "leaseTransitions": 3}
        mgr = "@@manager@@"
    meta["managedFields"] = [managed_field(mgr, "Update", "coordination.k8s.io/v1", "@@now@@", {"metadata": {
        k: v for k, v in meta.items() if k == "ownerReferences"}, "spec": spec})]
    return {"kind": "Lease", "apiVersion": "coordination.k8s.io/v1", "metadata": meta, "spec": spec}


def service():
    return {"kind": "Service", "apiVersion": "v1", "metadata": {
        "name": "@@app@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@", "creationTimestamp": "@@ts@@",
        "labels": {"app.kubernetes.io/name": "@@app@@", "app.kubernetes.io/part-of": "@@ns@@"},
        "annotations": {"prometheus.io/port": "9090", "prometheus.io/scrape": "true"}},
        "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http"},
                           {"name": "metrics", "protocol": "TCP", "port": 9090, "targetPort": 9090}],
                 "selector": {"app.kubernetes.io/name": "@@app@@"}, "clusterIP": "10.96.@@svc_ip@@",
                 "clusterIPs": ["10.96.@@svc_ip@@"], "type": "ClusterIP", "sessionAffinity": "None",
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"},
        "status": {"loadBalancer": {}}}


def endpoints(n_addr: int):
    addrs = [{"ip": "10.244.%d.%d" % (1 + a % 12, 10 + 7 * a % 240), "nodeName": "worker-%d" % (1 + a % 12),
              "targetRef": {"kind": "Pod", "namespace": "@@ns@@", "name": "@@app@@-@@hash@@-%s" % ("bcdfghjklmnpqrst"[a % 15] * 5),
                            "uid": "@@uid@@"}} for a in range(n_addr)]
    return {"kind": "Endpoints", "apiVersion": "v1", "metadata": {
        "name": "@@app@@", "namespace": "@@ns@@", "uid": "@@uid@@", "resourceVersion": "@@rv@@", "creationTimestamp": "@@ts@@",
        "labels": {"app.kubernetes.io/name": "@@app@@", "endpoints.kubernetes.io/managed-by": "endpoint-controller"},
        "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": "@@now@@"}},
        "subsets": [{"addresses": addrs, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
                                                   {"name": "metrics", "port": 9090, "protocol": "TCP"}]}]}


EVENT_REASONS = [
    ("Pulled", 'Container image "@@image@@" already present on machine', "spec.containers{@@app@@}"),
    ("Created", "Created container @@app@@", "spec.containers{@@app@@}"),
    ("Started", "Started container @@app@@", "spec.containers{@@app@@}"),
    ("Killing", "Stopping container @@app@@", "spec.containers{@@app@@}"),
    ("Unhealthy", "Readiness probe failed: Get \"http://@@pod_ip@@:8080/ready\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "spec.containers{@@app@@}"),
    ("BackOff", "Back-off restarting failed container @@app@@ in pod @@name@@_@@ns@@(@@uid@@)", "spec.containers{@@app@@}"),
]


def core_event(variant: int, *, stored: bool, controller: bool = False):
    reason, msg, path = EVENT_REASONS[variant % len(EVENT_REASONS)]
    meta = {"name": "@@name@@.@@evid@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@evuid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    inv = {"kind": "Pod", "namespace": "@@ns@@", "name": "@@name@@", "uid": "@@uid@@", "apiVersion": "v1",
           "resourceVersion": "@@rv@@"}
    if controller:
        reason, msg = "SuccessfulCreate", "Created pod: @@name@@"
        inv = {"kind": "ReplicaSet", "namespace": "@@ns@@", "name": "@@owner@@", "uid": "@@owner_uid@@",
               "apiVersion": "apps/v1", "resourceVersion": "@@rv@@"}
        meta["name"] = "@@owner@@.@@evid@@"
        src = {"component": "replicaset-controller"}
    else:
        inv["fieldPath"] = path
        src = {"component": "kubelet", "host": "@@node@@"}
    ev = {"kind": "Event", "apiVersion": "v1", "metadata": meta, "involvedObject": inv, "reason": reason, "message": msg,
          "source": src, "firstTimestamp": "@@now@@", "lastTimestamp": "@@now@@", "count": 1,
          "type": "Warning" if reason in ("Unhealthy", "BackOff") else "Normal", "eventTime": None,
          "reportingComponent": src["component"], "reportingInstance": src.get("host", "")}
    if stored:
        meta["managedFields"] = [managed_field(src["component"], "Update", "v1", "@@now@@",
                                     {k: v for k, v in ev.items() if k not in ("kind", "apiVersion", "metadata")})]
    return ev


def scheduler_event(*, stored: bool):
    meta = {"name": "@@name@@.@@evid@@", "namespace": "@@ns@@"}
    if stored:
        meta.update({"uid": "@@evuid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    ev = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": meta, "eventTime": "@@nowus@@",
          "reportingController": "default-scheduler", "reportingInstance": "default-scheduler-cp-1", "action": "Binding",
          "reason": "Scheduled", "regarding": {"kind": "Pod", "namespace": "@@ns@@", "name": "@@name@@", "uid": "@@uid@@",
                                               "apiVersion": "v1", "resourceVersion": "@@rv@@"},
          "note": "Successfully assigned @@ns@@/@@name@@ to @@node@@", "type": "Normal", "deprecatedSource": {},
          "deprecatedFirstTimestamp": None, "deprecatedLastTimestamp": None}
    if stored:
        meta["managedFields"] = [managed_field("kube-scheduler", "Update", "events.k8s.io/v1", "@@now@@",
                                     {k: v for k, v in ev.items() if k not in ("kind", "apiVersion", "metadata",
                                                                               "deprecatedSource")})]
    return ev


def token_request(stored: bool):
    meta = {"name": "@@sa@@", "namespace": "@@ns@@", "creationTimestamp": None} if stored else {"creationTimestamp": None}
    spec = {"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": 3607,
            "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "@@name@@", "uid": "@@uid@@"}}
    status = {"token": "@@token@@", "expirationTimestamp": "@@exp@@"} if stored else {"token": "", "expirationTimestamp": None}
    return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "metadata": meta, "spec": spec, "status": status}


def cluster_role_binding(stored: bool):
    meta = {"name": "@@crb@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    obj = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": meta,
           "subjects": [{"kind": "@@skind@@", "apiGroup": "rbac.authorization.k8s.io", "name": "@@subject@@"}],
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "@@role@@"}}
    if stored:
        meta["managedFields"] = [managed_field("kubectl-create", "Update", "rbac.authorization.k8s.io/v1", "@@now@@",
                                     {"roleRef": {}, "subjects": {}})]
    return obj


def csr(stored: bool):
    csr_pem = padding.pem("CERTIFICATE REQUEST", 12, 4242)
    meta = {"name": "@@csr@@"}
    if stored:
        meta.update({"uid": "@@uid@@", "resourceVersion": "@@rv2@@", "creationTimestamp": "@@now@@"})
    else:
        meta["creationTimestamp"] = None
    spec = {"request": b64(csr_pem), "signerName": "kubernetes.io/kube-apiserver-client", "expirationSeconds": 86400,
            "usages": ["client auth"]}
    if stored:
        spec.update({"username": "@@user@@", "groups": ["@@group@@", "system:authenticated"]})
    obj = {"kind": "CertificateSigningRequest", "apiVersion": "certificates.k8s.io/v1", "metadata": meta, "spec": spec,
           "status": {}}
    if stored:
        meta["managedFields"] = [managed_field("kubectl-client-side-apply", "Update", "certificates.k8s.io/v1", "@@now@@",
                                     {"spec": {"expirationSeconds": 0, "request": "", "signerName": "", "usages": []}})]
    return obj
