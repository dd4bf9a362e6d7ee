"""managedFields entries, with the fieldsV1 set derived from the fields an object has."""


def _fields_v1(obj, maps=("labels", "annotations", "data", "nodeSelector", "selector", "matchLabels",
                          "limits", "requests", "capacity", "allocatable")):
    """A managedFields fieldsV1 set for the fields present in obj."""
    out = {}
    for k, v in obj.items():
        key = "f:" + k
        if isinstance(v, dict):
            sub = _fields_v1(v)
            if k in maps:
                sub = {".": {}, **sub}
            out[key] = sub
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            items = {}
            for it in v:
                if "name" in it and isinstance(it["name"], str):
                    ik = 'k:{"name":"%s"}' % it["name"]
                elif "containerPort" in it:
                    ik = 'k:{"containerPort":%d,"protocol":"%s"}' % (it["containerPort"], it.get("protocol", "TCP"))
                elif "type" in it:
                    ik = 'k:{"type":"%s"}' % it["type"]
                elif "ip" in it:
                    ik = 'k:{"ip":"%s"}' % it["ip"]
                elif "key" in it:
                    ik = 'k:{"key":"%s","effect":"%s"}' % (it["key"], it.get("effect", ""))
                else:
                    continue
                items[ik] = {".": {}, **{f: s for f, s in _fields_v1(it).items()}}
            out[key] = items
        else:
            out[key] = {}
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != ".", kv[0])))


def managed_field(manager, operation, api_version, time_ph, obj, subresource=None):
    e = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": time_ph,
         "fieldsType": "FieldsV1", "fieldsV1": _fields_v1(obj)}
    if subresource:
        e["subresource"] = subresource
    return e
