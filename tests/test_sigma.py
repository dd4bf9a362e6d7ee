"""Sigma -> auditc conversion: field map, every modifier, every condition form, the fixes.

Sigma rules here are written for these tests. Where the meaning matters
(case-insensitivity, wildcards, anchors, CIDR boundaries), the converted
condition is compiled and run in the in-process Fluent Bit runtime.
"""

from __future__ import annotations

import textwrap

import pytest
from sigma.collection import SigmaCollection

from auditc.compiler import compile_rules
from auditc.dialect import reference_pattern
from auditc.sigma import emit, samples
from auditc.sigma.conditions import EXEC_NOTE, convert
from auditc.sigma.fields import Unconvertible, resolve
from auditc.sigma.values import FALSE, TRUE, Notes, pcre_to_auditc

from conftest import Pipeline, write_rules


def sigma(detection: str, logsource: str = "{product: kubernetes, service: audit}"):
    text = (f"title: T\nlogsource: {logsource}\ndetection:\n"
            + textwrap.indent(textwrap.dedent(detection).strip(), "    ") + "\n")
    (rule,) = list(SigmaCollection.from_yaml(text))
    return rule


def conv(detection: str):
    notes = Notes()
    match = convert(sigma(detection).detection, notes)
    return match, notes.items


def match_of(detection: str):
    match, notes = conv(detection)
    assert not notes, notes
    return match


def skip_reason(detection: str) -> str:
    with pytest.raises(Unconvertible) as exc:
        conv(detection)
    return str(exc.value)


@pytest.fixture
def run_match(tmp_path):
    """Compile an auditc condition into a one-rule script; returns a fires(event) function."""
    count = [0]

    def _compile(match):
        count[0] += 1
        rule = {"id": "r", "kind": "detect", "title": "t", "description": "d", "severity": "high", "match": match}
        d = write_rules(tmp_path / f"r{count[0]}", {"r.yaml": emit.dump({"rules": [rule]})})
        return Pipeline(compile_rules(d)).fires
    return _compile


# ------------------------------------------------------------------ field map


def test_field_map_audit_event_fields():
    assert resolve("verb").kind == "ident" and resolve("verb").paths == ("verb",)
    for name in ("objectRef.resource", "objectRef.subresource", "objectRef.apiGroup", "objectRef.namespace",
                 "objectRef.apiVersion"):
        assert resolve(name).kind == "ident" and not resolve(name).note
    for name in ("user.username", "userAgent", "requestURI", "objectRef.name", "responseStatus.reason"):
        assert resolve(name).kind == "text"
    assert resolve("user.groups").paths == ("user.groups[*]",)
    assert resolve("sourceIPs").paths == ("sourceIPs[*]",) and resolve("sourceIPs").kind == "ip"
    assert resolve("responseStatus.code").kind == "int"
    assert resolve("annotations.authorization.k8s.io/decision").paths == ('annotations["authorization.k8s.io/decision"]',)
    assert resolve("user.extra.scopes").paths == ("user.extra.scopes[*]",)


def test_field_map_bodies_insert_array_wildcards_and_quote_annotation_keys():
    assert resolve("requestObject.spec.containers.image").paths == ("requestObject.spec.containers[*].image",)
    assert resolve("requestObject.rules.verbs").paths == ("requestObject.rules[*].verbs[*]",)
    assert resolve("requestObject.metadata.annotations.kubectl.kubernetes.io/last-applied-configuration").paths == (
        'requestObject.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]',)
    assert resolve("requestObject.spec.volumes[*].hostPath.path").paths == ("requestObject.spec.volumes[*].hostPath.path",)
    assert resolve("requestObject.spec").nullable


def test_field_map_relocations_carry_a_note():
    api = resolve("apiGroup")
    assert api.paths == ("objectRef.apiGroup",) and "objectRef.apiGroup" in api.note
    host = resolve("hostPath")
    assert host.kind == "object" and "requestObject.spec.volumes[*].hostPath" in host.paths
    assert "requestObject.spec.jobTemplate.spec.template.spec.volumes[*].hostPath" in host.paths
    caps = resolve("capabilities")
    assert len(caps.paths) == 12 and "requestObject.spec.initContainers[*].securityContext.capabilities" in caps.paths
    assert resolve("hostNetwork").kind == "bool"


def test_unknown_field_is_refused():
    with pytest.raises(Unconvertible, match="'CommandLine' is not a field of a Kubernetes audit event"):
        resolve("CommandLine")


# ------------------------------------------------------------------ plain values and string modifiers


def test_identifier_fields_compare_case_sensitively_with_the_lower_cased_value():
    assert match_of("sel: {verb: get}\ncondition: sel") == {"field": "verb", "equals": "get"}
    assert match_of("sel: {objectRef.resource: Secrets}\ncondition: sel") == {"field": "objectRef.resource",
                                                                            "equals": "secrets"}
    assert match_of("sel: {objectRef.resource: [pods, Deployments]}\ncondition: sel") == {
        "field": "objectRef.resource", "in": ["pods", "deployments"]}


def test_identifier_fields_string_modifiers():
    m = match_of("""
        sel:
            objectRef.namespace|startswith: 'Kube-'
            objectRef.resource|endswith: 'bindings'
            objectRef.apiGroup|contains: 'k8s'
            objectRef.subresource: 'e?ec'
        condition: sel""")
    assert m == {"all": [{"field": "objectRef.namespace", "prefix": "kube-"},
                         {"field": "objectRef.resource", "suffix": "bindings"},
                         {"field": "objectRef.apiGroup", "contains": "k8s"},
                         {"field": "objectRef.subresource", "glob": "e?ec"}]}


def test_identifier_with_a_literal_bracket_uses_a_regex_not_a_glob():
    # auditc globs read '[' as a class; a Sigma '[' is literal
    assert match_of("sel: {objectRef.name|cased: 'a[1]*b'}\ncondition: sel") == {
        "field": "objectRef.name", "regex": r"^a\[1\][\s\S]*b$"}
    assert match_of("sel: {objectRef.name|cased: 'a[1]*'}\ncondition: sel") == {"field": "objectRef.name",
                                                                               "prefix": "a[1]"}


def test_free_text_fields_match_case_insensitively_with_regex():
    assert match_of("sel: {userAgent|contains: 'Kubectl/'}\ncondition: sel") == {"field": "userAgent",
                                                                               "regex": "(?i)Kubectl/"}
    assert match_of("sel: {user.username|startswith: 'system:'}\ncondition: sel") == {
        "field": "user.username", "regex": "(?i)^system:"}
    assert match_of("sel: {requestURI|endswith: '/exec'}\ncondition: sel") == {"field": "requestURI",
                                                                             "regex": "(?i)/exec$"}
    assert match_of("sel: {user.username: 'alice'}\ncondition: sel") == {"field": "user.username",
                                                                       "regex": "(?i)^alice$"}
    assert match_of("sel: {objectRef.name: 'db-?-*.x'}\ncondition: sel") == {
        "field": "objectRef.name", "regex": r"(?i)^db-[\s\S]-[\s\S]*\.x$"}


def test_free_text_without_letters_needs_no_case_folding():
    assert match_of("sel: {objectRef.name: '12-34'}\ncondition: sel") == {"field": "objectRef.name",
                                                                        "equals": "12-34"}
    assert match_of("sel: {requestURI|contains: '/1/'}\ncondition: sel") == {"field": "requestURI",
                                                                           "contains": "/1/"}


def test_cased_modifier_is_case_sensitive():
    assert match_of("sel: {user.username|cased: 'Admin'}\ncondition: sel") == {"field": "user.username",
                                                                             "equals": "Admin"}
    assert match_of("sel: {userAgent|cased|contains: 'Go-http'}\ncondition: sel") == {"field": "userAgent",
                                                                                    "contains": "Go-http"}
    assert match_of("sel: {userAgent|cased|startswith: 'Go'}\ncondition: sel") == {"field": "userAgent",
                                                                                 "prefix": "Go"}
    assert match_of("sel: {userAgent|cased|endswith: 'Go'}\ncondition: sel") == {"field": "userAgent",
                                                                               "suffix": "Go"}
    assert match_of("sel: {userAgent|cased: 'Go*x?'}\ncondition: sel") == {"field": "userAgent", "glob": "Go*x?"}


def test_all_modifier_ands_the_values():
    assert match_of("sel: {requestURI|contains|all: [command=sh, tty=true]}\ncondition: sel") == {
        "all": [{"field": "requestURI", "regex": "(?i)command=sh"}, {"field": "requestURI", "regex": "(?i)tty=true"}]}
    assert match_of("sel: {user.groups|all: ['system:masters', ops]}\ncondition: sel") == {
        "all": [{"field": "user.groups[*]", "regex": "(?i)^system:masters$"},
                {"field": "user.groups[*]", "regex": "(?i)^ops$"}]}


def test_lists_of_values_or_and_merge_into_one_test():
    assert match_of("sel: {userAgent|contains: [curl, wget]}\ncondition: sel") == {
        "field": "userAgent", "regex": ["(?i)curl", "(?i)wget"]}


def test_wildcard_only_value():
    assert match_of("sel: {user.username: '*'}\ncondition: sel") == {"field": "user.username", "glob": "*"}


def test_empty_string_and_null():
    assert match_of("sel: {objectRef.namespace: ''}\ncondition: sel") == {"field": "objectRef.namespace",
                                                                        "equals": ""}
    assert match_of("sel: {objectRef.namespace: null}\ncondition: sel") == {"field": "objectRef.namespace",
                                                                          "absent": True}


def test_case_insensitive_non_ascii_is_refused_but_cased_is_fine():
    assert "non-ASCII" in skip_reason("sel: {user.username|contains: 'Jürgen'}\ncondition: sel")
    assert match_of("sel: {user.username|cased|contains: 'Jürgen'}\ncondition: sel") == {
        "field": "user.username", "contains": "Jürgen"}


def test_string_semantics_in_the_runtime(run_match):
    fires = run_match(match_of("sel: {userAgent|contains: 'kubectl/'}\ncondition: sel"))
    assert fires({"userAgent": "KUBECTL/v1.31.0 (linux/amd64)"}) and fires({"userAgent": "x kubectl/1"})
    assert not fires({"userAgent": "kubelet/1.31"}) and not fires({"userAgent": 5})
    fires = run_match(match_of("sel: {objectRef.name: 'a*b?c'}\ncondition: sel"))
    assert fires({"objectRef": {"name": "A\nline\nBxC"}})  # '*' spans newlines, '?' is one character
    assert fires({"objectRef": {"name": "abéc"}})  # '?' is one character, also a multi-byte one
    assert not fires({"objectRef": {"name": "abc"}}) and not fires({"objectRef": {"name": "xabxc"}})
    fires = run_match(match_of("sel: {objectRef.resource: Pods}\ncondition: sel"))
    assert fires({"objectRef": {"resource": "pods"}})


# ------------------------------------------------------------------ regular expressions


def test_regex_modifier_and_flags():
    assert match_of("sel: {requestURI|re: '/pods/[^/]+/exec'}\ncondition: sel") == {
        "field": "requestURI", "regex": "/pods/[^/]+/exec"}
    assert match_of("sel: {userAgent|re|i: '^curl/'}\ncondition: sel") == {"field": "userAgent",
                                                                         "regex": "(?i)^curl/"}
    assert match_of("sel: {responseStatus.message|re|s: 'a.b'}\ncondition: sel") == {
        "field": "responseStatus.message", "regex": r"a[\s\S]b"}
    assert match_of("sel: {user.username|re|contains: 'adm'}\ncondition: sel") == {
        "field": "user.username", "regex": ".*adm.*"}
    # m without anchors changes nothing; with anchors there is no exact form
    assert match_of("sel: {requestURI|re|m: 'exec'}\ncondition: sel") == {"field": "requestURI", "regex": "exec"}
    assert "'m'" in skip_reason("sel: {requestURI|re|m: '^/api$'}\ncondition: sel")


def test_pcre_dollar_also_matches_before_a_final_newline():
    assert pcre_to_auditc("abc$", set()) == r"abc\n?$"
    assert pcre_to_auditc(r"a\$b[$]", set()) == r"a\$b[$]"  # escaped and in a class: literal
    assert pcre_to_auditc(r"x\Z", set()) == r"x\n?\Z"


def test_regex_semantics_in_the_runtime(run_match):
    fires = run_match(match_of("sel: {objectRef.name|re: '-bd[0-9]{2}$'}\ncondition: sel"))
    assert fires({"objectRef": {"name": "kube-proxy-bd12"}}) and fires({"objectRef": {"name": "x-bd12\n"}})
    assert not fires({"objectRef": {"name": "x-bd123"}}) and not fires({"objectRef": {"name": "x-bd12\n\n"}})


def test_untranslatable_regex_is_skipped_with_the_reason():
    assert "quantified group" in skip_reason("sel: {requestURI|re: '(ab)+c'}\ncondition: sel")
    assert "no exact Lua form" in skip_reason(r"sel: {requestURI|re: 'a\bb'}" + "\ncondition: sel")


# ------------------------------------------------------------------ numbers, booleans, exists, cidr


def test_numbers_and_comparisons():
    assert match_of("sel: {responseStatus.code: [401, 403]}\ncondition: sel") == {
        "field": "responseStatus.code", "in": [401, 403]}
    m = match_of("""
        sel:
            responseStatus.code|gt: 399
            responseStatus.code|gte: 400
            responseStatus.code|lt: 500
            responseStatus.code|lte: 499
            responseStatus.code|neq: 404
        condition: sel""")
    assert m == {"all": [{"field": "responseStatus.code", "gt": 399}, {"field": "responseStatus.code", "gte": 400},
                         {"field": "responseStatus.code", "lt": 500}, {"field": "responseStatus.code", "lte": 499},
                         {"not": {"field": "responseStatus.code", "equals": 404}}]}
    assert "not a number" in skip_reason("sel: {user.username|gt: 3}\ncondition: sel")


def test_numbers_and_strings_across_types_are_fixed_with_a_note():
    m, notes = conv("sel: {responseStatus.code: '403'}\ncondition: sel")
    assert m == {"field": "responseStatus.code", "equals": 403} and "'403' compared as 403" in notes[0]
    m, notes = conv("sel: {objectRef.name: 42}\ncondition: sel")
    assert m == {"field": "objectRef.name", "equals": "42"} and "compared as the text '42'" in notes[0]


def test_booleans():
    assert match_of("sel: {requestObject.spec.hostPID: true}\ncondition: sel") == {
        "field": "requestObject.spec.hostPID", "equals": True}
    assert "can never match" in skip_reason("sel: {user.username: true}\ncondition: sel")


def test_exists_modifier():
    assert match_of("sel: {impersonatedUser.username|exists: true, objectRef.subresource|exists: false}\n"
                    "condition: sel") == {"all": [{"field": "impersonatedUser.username", "exists": True},
                                                  {"field": "objectRef.subresource", "absent": True}]}
    # Sigma counts a present JSON null as existing; auditc cannot tell null from missing
    assert "null" in skip_reason("sel: {requestObject.spec.hostPID|exists: true}\ncondition: sel")


def test_cidr_ipv4_is_exact_prefixes(run_match):
    m = match_of("sel: {sourceIPs|cidr: ['10.0.0.0/8', '172.16.0.0/12', '192.168.1.7/32']}\ncondition: sel")
    prefix, equals = m["any"]
    assert equals == {"field": "sourceIPs[*]", "equals": "192.168.1.7"}
    assert prefix["prefix"][:3] == ["10.", "172.16.", "172.17."] and len(prefix["prefix"]) == 17
    fires = run_match(m)
    for ip, want in [("10.200.1.1", True), ("172.16.0.1", True), ("172.31.255.255", True), ("172.32.0.1", False),
                     ("172.15.0.1", False), ("192.168.1.7", True), ("192.168.1.70", False), ("110.0.0.1", False)]:
        assert fires({"sourceIPs": ["::1", ip]}) is want, ip
    assert match_of("sel: {sourceIPs|cidr: '0.0.0.0/0'}\ncondition: sel") == {"field": "sourceIPs[*]",
                                                                            "exists": True}
    assert "IPv6" in skip_reason("sel: {sourceIPs|cidr: 'fd00::/8'}\ncondition: sel")
    assert "only sourceIPs" in skip_reason("sel: {requestURI|cidr: '10.0.0.0/8'}\ncondition: sel")


# ------------------------------------------------------------------ encodings and refused modifiers


def test_base64_base64offset_windash_expand_to_alternatives():
    m = match_of("sel: {requestObject.data.x|base64: 'ab'}\ncondition: sel")
    assert m == {"field": "requestObject.data.x", "regex": "(?i)^YWI=$"}
    m = match_of("sel: {requestObject.data.x|base64offset|contains: 'kubectl'}\ncondition: sel")
    assert m == {"field": "requestObject.data.x", "regex": ["(?i)a3ViZWN0b", "(?i)t1YmVjdG", "(?i)rdWJlY3Rs"]}
    m = match_of("sel: {requestURI|windash|contains: ' -n'}\ncondition: sel")
    assert m["field"] == "requestURI" and "(?i) /n" in m["regex"] and len(m["regex"]) == 5


@pytest.mark.parametrize("detection, reason", [
    ("sel: {user.username|fieldref: impersonatedUser.username}", "fieldref"),
    ("sel: {user.username|expand: '%admins%'}", "expand"),
    ("sel: {requestURI|wide|contains: 'x'}", "wide"),
    ("sel: {requestURI|utf16be|contains: 'x'}", "UTF-16"),
    ("sel: {requestURI|utf16|contains: 'x'}", "UTF-16"),
    ("sel: {requestReceivedTimestamp|hour: 3}", "time modifiers"),
    ("sel: {requestReceivedTimestamp|day: 3}", "time modifiers"),
    ("sel: ['kubectl exec', nsenter]", "keyword"),
])
def test_refused_modifiers_and_forms(detection, reason):
    assert reason in skip_reason(detection + "\ncondition: sel")


# ------------------------------------------------------------------ conditions


def test_selection_map_is_and_list_of_maps_is_or():
    m = match_of("""
        sel:
            - {verb: create, objectRef.resource: pods}
            - {verb: delete}
        condition: sel""")
    assert m == {"any": [{"all": [{"field": "verb", "equals": "create"}, {"field": "objectRef.resource",
                                                                           "equals": "pods"}]},
                         {"field": "verb", "equals": "delete"}]}


def test_and_or_not_parentheses():
    m = match_of("""
        a: {verb: create}
        b: {objectRef.resource: pods}
        c: {objectRef.namespace: kube-system}
        condition: a and not (b or c)""")
    assert m == {"all": [{"field": "verb", "equals": "create"},
                         {"not": {"any": [{"field": "objectRef.resource", "equals": "pods"},
                                          {"field": "objectRef.namespace", "equals": "kube-system"}]}}]}


def test_one_of_all_of_them_and_patterns():
    d = "sel_a: {verb: create}\nsel_b: {objectRef.resource: pods}\nother: {objectRef.namespace: default}\n"
    assert match_of(d + "condition: 1 of sel_*") == {"any": [{"field": "verb", "equals": "create"},
                                                             {"field": "objectRef.resource", "equals": "pods"}]}
    assert match_of(d + "condition: all of sel_*") == {"all": [{"field": "verb", "equals": "create"},
                                                               {"field": "objectRef.resource", "equals": "pods"}]}
    assert len(match_of(d + "condition: all of them")["all"]) == 3
    assert len(match_of(d + "condition: 1 of them")["any"]) == 3
    assert match_of(d + "condition: sel_a and not 1 of sel_b*") == {
        "all": [{"field": "verb", "equals": "create"}, {"not": {"field": "objectRef.resource", "equals": "pods"}}]}


def test_several_conditions_are_alternatives():
    m = match_of("""
        a: {verb: create}
        b: {verb: delete}
        condition: [a, b]""")
    assert m == {"field": "verb", "in": ["create", "delete"]}


def test_double_negation_folds():
    assert match_of("a: {verb|neq: get}\ncondition: not a") == {"field": "verb", "equals": "get"}


def test_condition_semantics_in_the_runtime(run_match):
    fires = run_match(match_of("""
        selection: {objectRef.resource: secrets, verb: [get, list]}
        filter: {user.username|startswith: 'system:serviceaccount:kube-system:'}
        condition: selection and not filter"""))
    assert fires({"verb": "list", "objectRef": {"resource": "secrets"}, "user": {"username": "alice"}})
    assert fires({"verb": "get", "objectRef": {"resource": "secrets"}})  # no user: the filter does not hold
    assert not fires({"verb": "get", "objectRef": {"resource": "secrets"},
                      "user": {"username": "SYSTEM:ServiceAccount:kube-system:gc"}})
    assert not fires({"verb": "watch", "objectRef": {"resource": "secrets"}})


# ------------------------------------------------------------------ fixes


def test_replace_verb_is_mapped_to_update():
    m, notes = conv("sel: {verb: [create, replace, update]}\ncondition: sel")
    assert m == {"field": "verb", "in": ["create", "update"]}
    assert notes == ["verb 'replace' does not exist in audit logs (kubectl replace is an HTTP PUT, logged as "
                     "'update'); mapped to update"]


def test_verbs_that_do_not_exist_drop_out_or_skip_the_rule():
    m, notes = conv("sel: {verb: [get, frobnicate]}\ncondition: sel")
    assert m == {"field": "verb", "equals": "get"} and "frobnicate" in notes[0]
    assert "can never match" in skip_reason("sel: {verb: frobnicate}\ncondition: sel")
    assert "matches every audit event" in skip_reason("sel: {verb: frobnicate}\ncondition: not sel")


def test_bare_objectref_fields_are_relocated():
    m, notes = conv("sel: {apiGroup: apps, resource: deployments}\ncondition: sel")
    assert m == {"all": [{"field": "objectRef.apiGroup", "equals": "apps"},
                         {"field": "objectRef.resource", "equals": "deployments"}]}
    assert len(notes) == 2 and "mapped to objectRef.apiGroup" in notes[0]


def test_hostpath_and_capabilities_wildcard_means_present():
    m, notes = conv("sel: {verb: create, hostPath: '*'}\ncondition: sel")
    assert {"field": "requestObject.spec.volumes[*].hostPath", "exists": True} in m["all"][1]["any"]
    assert "hostPath" in notes[0]
    m, _ = conv("sel: {hostPath|startswith: '/var/run/'}\ncondition: sel")
    assert {"field": "requestObject.spec.volumes[*].hostPath.path", "regex": "(?i)^/var/run/"} in m["any"]
    m, _ = conv("sel: {capabilities: '*'}\ncondition: sel")
    assert len(m["any"]) == 12 and all(c["exists"] for c in m["any"])
    assert "only '*'" in skip_reason("sel: {capabilities: SYS_ADMIN}\ncondition: sel")


def test_resource_with_a_subresource_is_split():
    m, notes = conv("sel: {objectRef.resource: 'pods/exec', verb: create}\ncondition: sel")
    assert m == {"all": [{"field": "objectRef.resource", "equals": "pods"},
                         {"field": "objectRef.subresource", "equals": "exec"},
                         {"field": "verb", "in": ["create", "get"]}]}
    assert "subresource 'exec'" in notes[0] and notes[1] == EXEC_NOTE
    m, notes = conv("sel: {objectRef.resource: ['pods/log', secrets]}\ncondition: sel")
    assert m == {"any": [{"all": [{"field": "objectRef.resource", "equals": "pods"},
                                  {"field": "objectRef.subresource", "equals": "log"}]},
                         {"field": "objectRef.resource", "equals": "secrets"}]}


def test_status_code_allow_is_the_authorization_decision():
    m, notes = conv("sel: {responseStatus.code: 'ALLOW'}\ncondition: sel")
    assert m == {"field": 'annotations["authorization.k8s.io/decision"]', "equals": "allow"}
    assert "can never match" in notes[0] and "authorization.k8s.io/decision" in notes[0]
    m, _ = conv("sel: {responseStatus.code: 'denied'}\ncondition: sel")
    assert m["equals"] == "forbid"
    assert "can never match" in skip_reason("sel: {responseStatus.code: 'teapot'}\ncondition: sel")


def test_exec_create_gains_get():
    m, notes = conv("sel: {verb: create, objectRef.resource: pods, objectRef.subresource: exec}\ncondition: sel")
    assert m["all"][0] == {"field": "verb", "in": ["create", "get"]} and notes == [EXEC_NOTE]
    # already covered, or not an exec/attach rule: unchanged
    assert conv("sel: {verb: [create, get], objectRef.subresource: exec}\ncondition: sel")[1] == []
    m, notes = conv("sel: {verb: create, objectRef.subresource: portforward}\ncondition: sel")
    assert notes == [] and m["all"][0] == {"field": "verb", "equals": "create"}


def test_constants_fold():
    from auditc.sigma.conditions import all_of, not_of, simplify
    from auditc.sigma.values import any_of
    x = {"field": "verb", "equals": "get"}
    assert all_of([TRUE, x]) == x and all_of([FALSE, x]) is FALSE and any_of([FALSE, x]) == x
    assert any_of([TRUE, x]) is TRUE and not_of(TRUE) is FALSE and not_of(not_of(x)) == x
    assert simplify({"any": [x, {"any": [{"field": "verb", "in": ["get", "list"]}]}]}) == {"field": "verb",
                                                                                          "in": ["get", "list"]}
    # True and 1 stay different values
    assert simplify({"any": [{"field": "a", "equals": True}, {"field": "a", "equals": 1}]}) == {"field": "a",
                                                                                              "in": [True, 1]}


# ------------------------------------------------------------------ generated test events


def test_positive_and_negative_events():
    m = match_of("""
        selection: {objectRef.resource: secrets, verb: [get, list], user.username|startswith: 'Sys'}
        filter: {objectRef.namespace: kube-system}
        condition: selection and not filter""")
    event = samples.positive(m)
    assert samples.holds(m, event) and "namespace" not in event.get("objectRef", {})
    other, change = samples.negative(m, event)
    assert not samples.holds(m, other) and change


def test_positive_events_for_combined_and_array_constraints():
    m = match_of("sel: {requestURI|contains|all: [a=1, b=2], requestURI|startswith: /x}\ncondition: sel")
    assert samples.holds(m, samples.positive(m))
    m = match_of("sel: {user.groups|all: [one, two]}\ncondition: sel")
    event = samples.positive(m)
    assert sorted(event["user"]["groups"]) == ["one", "two"]
    m = match_of("sel: {objectRef.subresource|exists: false, verb: get}\ncondition: sel")
    assert samples.positive(m) == {"verb": "get"}


def test_regex_samples():
    for regex in [r"^/api/v1/namespaces/[a-z0-9-]+/pods/[^/]+/exec\?", r"(?i)^(curl|wget)/[0-9]{2,}",
                  r"\d+\.\d+\s\w", r"a[\s\S]*b\n?$", r"[^a-z]x?y{3}"]:
        got = samples._regex_sample(regex)
        assert got and all(reference_pattern('regex', regex).matches(s) for s in got), regex


def test_no_positive_for_a_contradiction():
    m = {"all": [{"field": "verb", "equals": "get"}, {"field": "verb", "equals": "list"}]}
    assert samples.positive(m) is None
