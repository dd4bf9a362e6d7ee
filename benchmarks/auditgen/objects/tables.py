"""The Table responses kubectl asks for (kubectl get pods / secrets): columns and row objects."""
from __future__ import annotations

from . import workloads


_NAME_DESC = ("Name must be unique within a namespace. Is required when creating resources, although some resources "
              "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
              "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
              "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
_AGE_DESC = ("CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
             "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
             "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
             "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")


def column_definitions(secret: bool):
    """columnDefinitions of the apiserver's Table for kubectl get pods / secrets."""
    if secret:
        cols = [("Name", "string", "name", _NAME_DESC), ("Type", "string", "", "The type of the secret"),
                ("Data", "integer", "", "The number of entries in the data"), ("Age", "string", "", _AGE_DESC)]
    else:
        cols = [("Name", "string", "name", _NAME_DESC),
                ("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."),
                ("Status", "string", "", "The aggregate status of the containers in this pod."),
                ("Restarts", "string", "", "The number of times the containers in this pod have been restarted and "
                                           "when the last container in this pod has restarted."),
                ("Age", "string", "", _AGE_DESC)]
    return [{"name": c, "type": t, "format": f, "description": d, "priority": 0} for c, t, f, d in cols]


def partial_metadata(k: int, secret: bool):
    meta = {"name": "@@name@@" if not secret else "@@sname@@", "namespace": "@@ns@@", "uid": "@@uid@@",
            "resourceVersion": "@@rv@@", "creationTimestamp": "@@ts@@",
            "labels": {"app.kubernetes.io/name": "@@app@@"} if secret else workloads.pod_labels(k)}
    if not secret:
        meta["ownerReferences"] = workloads.owner_references()
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
