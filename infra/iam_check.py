"""Evaluates every AWS request each function made in the test suite against that function's role.

The requests are what voice-testkit AwsRequestRecorder wrote while the function modules' tests ran
(`functions/<module>/target/aws-requests/*.jsonl`: action, resource, KMS encryption context); the
roles are those of the SAM-translated template.yaml (SAM's own translator), with the KMS key
policy. The evaluator is this file's own (IAM's rules for what the template uses: Allow and Deny
statements, action and resource wildcards, the condition operators StringEquals/StringLike/
ArnEquals/ArnLike/Null/Bool and their ForAllValues:/ForAnyValue: forms, with keys of the form
`kms:EncryptionContext:<key>`), because the npm simulator @cloud-copilot/iam-simulate matches such
keys only after a `/` and so ignores the KMS context conditions. Its own tests:
infra/voice-local IamPolicyIT runs `--self-test` first.

Checks (exit 1 when one fails):
1. every recorded request is allowed by its function's role (and, for KMS, the key policy);
2. a Decrypt without the instance_id context, or with another context key beside it, is denied.
   A Decrypt with another instance's instance_id *value* is allowed by IAM, and the report says so:
   one role serves every instance, so no condition can name the request's instance. The denial comes
   from KMS: a data key is bound to the encryption context it was generated with, and KMS refuses
   it under any other (InvalidCiphertextException; voice-core-it CredentialVaultIT
   kmsRefusesADataKeyUnderAnotherInstancesEncryptionContext, on moto and MiniStack);
3. each function is denied every action only other functions were seen to need;
4. every grant, per action and resource, that no test exercised is listed, and each has a reason in
   UNEXERCISED: an action exercised on one resource and granted on another (an index nobody
   queries) is reported like an action never exercised.

Usage: .venv/bin/python infra/iam_check.py [--self-test]
"""
import fnmatch
import json
import os
import sys
from pathlib import Path

from samtranslator.translator.transform import transform as sam_transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT, REGION = "123456789012", "us-east-1"
ROOT_PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:root"

# Granted, never seen in the tests, and why that is right. A grant missing here fails the check.
# Keys: an action (pattern) for every function and resource; (function, action) for every resource;
# (function, action, resource suffix) for one resource of one function.
UNEXERCISED = {
    "logs:CreateLogGroup": "AWSLambdaBasicExecutionRole: Lambda's runtime writes the function's logs, not its code",
    "logs:CreateLogStream": "AWSLambdaBasicExecutionRole: Lambda's runtime writes the function's logs",
    "logs:PutLogEvents": "AWSLambdaBasicExecutionRole: Lambda's runtime writes the function's logs",
    "xray:*": "AWSXrayWriteOnlyAccess (Tracing: Active): Lambda sends the traces, not the function's code",
    "sqs:SendMessage": "the sweeper's on-failure destination: Lambda sends a failed run's event, not the function's code",
    ("VoiceSweeperFunction", "dynamodb:ConditionCheckItem"):
        "the sweeper ends a call through the webhook's own transition (CallTransitions.apply), whose "
        "transaction checks the channel's generation with a ConditionCheck when the counter does not "
        "move; an overdue call's end moves it, so no test sees one, and without the grant that shared "
        "path would fail in the sweeper",
    ("VoiceEndCallFunction", "dynamodb:ConditionCheckItem"):
        "End Call ends the call through the webhook's own transition (CallTransitions.apply), whose "
        "transaction checks the channel's generation with a ConditionCheck when the counter does not "
        "move; ending an active call moves it, so no test sees one, and without the grant that shared "
        "path would fail in End Call",
}


def reason(fn, action, resource="*"):
    """Why a grant no test exercised is right, or None."""
    for k, v in UNEXERCISED.items():
        if isinstance(k, tuple) and len(k) == 3 and k[:2] == (fn, action) and resource.endswith(k[2]):
            return v
    if (fn, action) in UNEXERCISED:
        return UNEXERCISED[(fn, action)]
    return next((v for k, v in UNEXERCISED.items() if isinstance(k, str) and _match(k, action, False)), None)


def unexercised_grants(role, used):
    """(action, resource) of every Allow grant no recorded (action, resource) falls under: per resource,
    so an extra resource on an exercised action (an index nobody queries) is one too."""
    out = []
    for st in role:
        if st["Effect"] != "Allow":
            continue
        for action in _list(st.get("Action", [])):
            for resource in _list(st.get("Resource", "*")):
                if not any(_match(action, a, case=False) and _match(resource, r) for a, r in used):
                    out.append((action, resource))
    return out


# --- the template's policies, resolved with synthetic ARNs ----------------------------------------

def arn(resource_type, logical):
    svc = resource_type.split("::")[1].lower()
    return {
        "dynamodb": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{logical}",
        "kms": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{logical}",
        "secretsmanager": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{logical}-AbCdEf",
        "sqs": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{logical}",
    }.get(svc, f"arn:aws:{svc}:{REGION}:{ACCOUNT}:{logical}")


def resolve(node, template, conditions):
    r = lambda n: resolve(n, template, conditions)  # noqa: E731
    res = template["Resources"]
    if isinstance(node, list):
        return [x for x in (r(n) for n in node) if x is not None]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (fn, a), = node.items()
        if fn == "Ref":
            if a in res:
                t = res[a]["Type"]
                return arn(t, a) if t in ("AWS::SecretsManager::Secret",) else a
            if a == "AWS::NoValue":
                return None
            pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
                      "AWS::StackName": "stack", "AWS::URLSuffix": "amazonaws.com"}
            return pseudo.get(a, template.get("Parameters", {}).get(a, {}).get("Default", a))
        if fn == "Fn::GetAtt":
            logical = a[0] if isinstance(a, list) else a.split(".")[0]
            return arn(res[logical]["Type"], logical)
        if fn == "Fn::Sub":
            text, variables = (a, {}) if isinstance(a, str) else (a[0], a[1])
            import re

            def sub(m):
                name = m.group(1)
                if name in variables:
                    return str(r(variables[name]))
                if "." in name and not name.startswith("AWS::"):
                    return r({"Fn::GetAtt": name.split(".", 1)})
                return str(r({"Ref": name}))
            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        if fn == "Fn::If":
            return r(a[1] if conditions.get(a[0]) else a[2])
    return {k: v for k, v in ((k, r(v)) for k, v in node.items()) if v is not None}


def load_roles():
    """{function logical id: (module dir, [statements of its role], [statements of the key policy])}."""
    source = yaml_parse((ROOT / "template.yaml").read_text())
    for res in source["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = {"Bucket": "b", "Key": "k"}

    class NoManagedPolicies:
        def load(self):
            return {}
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    translated = sam_transform(json.loads(json.dumps(source)), {"PublicBaseUrl": "https://voice.example.com"},
                               NoManagedPolicies())
    conditions = {"UsesLocalAwsEndpoint": False, "NotifiesAlarmTopic": False}
    res = translated["Resources"]
    keys = [k for k, v in res.items() if v["Type"] == "AWS::KMS::Key"]
    key_policy = resolve(res[keys[0]]["Properties"]["KeyPolicy"], translated, conditions)["Statement"] if keys else []
    roles = {}
    original = yaml_parse((ROOT / "template.yaml").read_text())
    for logical, r in original["Resources"].items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        role = res[f"{logical}Role"]["Properties"]
        statements = []
        for p in role.get("Policies", []):
            doc = resolve(p["PolicyDocument"], translated, conditions)
            statements += doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        for managed in role.get("ManagedPolicyArns", []):
            statements += MANAGED.get(managed, [])
        roles[logical] = (r["Properties"]["CodeUri"], statements, key_policy)
    return translated, roles


# What the two AWS managed policies SAM attaches grant (their published documents).
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords",
                                        "xray:GetSamplingRules", "xray:GetSamplingTargets",
                                        "xray:GetSamplingStatisticSummaries"], "Resource": "*"}],
}


# --- the evaluator -----------------------------------------------------------------------------------

def _list(v):
    return v if isinstance(v, list) else [v]


def _match(pattern, value, case=True):
    return fnmatch.fnmatchcase(value if case else value.lower(), pattern if case else pattern.lower())


def _operator(op, actual_values, expected):
    base = op.replace("IfExists", "")
    if base in ("StringEquals", "ArnEquals"):
        return any(a == e for a in actual_values for e in expected)
    if base in ("StringNotEquals",):
        return all(a != e for a in actual_values for e in expected)
    if base in ("StringLike", "ArnLike"):
        return any(_match(e, a) for a in actual_values for e in expected)
    if base == "Bool":
        return any(str(a).lower() == str(e).lower() for a in actual_values for e in expected)
    raise ValueError(f"condition operator {op} is not evaluated here")


def condition_holds(condition, context):
    """Every operator and key must hold. Keys are case-insensitive; a missing key fails an operator,
    except Null (its test) and ForAllValues: (vacuously true), as IAM evaluates them."""
    ctx = {k.lower(): v for k, v in context.items()}
    for op, tests in (condition or {}).items():
        for key, expected in tests.items():
            value = ctx.get(key.lower())
            expected = _list(expected)
            if op == "Null":
                if (value is None) != (str(expected[0]).lower() == "true"):
                    return False
                continue
            if op.startswith("ForAllValues:"):
                if value is not None and not all(_operator(op.split(":", 1)[1], [v], expected) for v in _list(value)):
                    return False
                continue
            if op.startswith("ForAnyValue:"):
                if value is None or not _operator(op.split(":", 1)[1], _list(value), expected):
                    return False
                continue
            if value is None:
                if op.endswith("IfExists"):
                    continue
                return False
            if not _operator(op, _list(value), expected):
                return False
    return True


def statement_matches(st, action, resource, context, principal=None):
    if "Action" in st and not any(_match(a, action, case=False) for a in _list(st["Action"])):
        return False
    if "NotAction" in st and any(_match(a, action, case=False) for a in _list(st["NotAction"])):
        return False
    if not any(_match(r, resource) for r in _list(st.get("Resource", "*"))):
        return False
    if principal is not None:
        p = st.get("Principal", {})
        aws = _list(p.get("AWS", [])) if isinstance(p, dict) else [p]
        if not any(x in ("*", principal, ROOT_PRINCIPAL) for x in aws):
            return False
    return condition_holds(st.get("Condition"), context)


def decide(statements, action, resource, context, principal=None):
    matching = [st for st in statements if statement_matches(st, action, resource, context, principal)]
    if any(st["Effect"] == "Deny" for st in matching):
        return False
    return any(st["Effect"] == "Allow" for st in matching)


def allowed(role, key_policy, action, resource, context):
    identity = decide(role, action, resource, context)
    if action.startswith("kms:"):
        # The key policy names the account: it delegates to IAM, so both must allow.
        return identity and decide(key_policy, action, resource, context, principal=ROOT_PRINCIPAL)
    return identity


def kms_context(encryption_context):
    ctx = {f"kms:EncryptionContext:{k}": v for k, v in encryption_context.items()}
    if encryption_context:
        ctx["kms:EncryptionContextKeys"] = list(encryption_context)
    return ctx


# --- the recorded requests ---------------------------------------------------------------------------

def recorded(module):
    out = []
    for path in sorted((ROOT / module / "target" / "aws-requests").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def resource_of(translated, request):
    res = translated["Resources"]
    one = lambda t: next(k for k, v in res.items() if v["Type"] == t)  # noqa: E731
    kind = request["kind"]
    if kind == "table":
        return arn("AWS::DynamoDB::Table", one("AWS::DynamoDB::Table"))
    if kind == "index":
        return arn("AWS::DynamoDB::Table", one("AWS::DynamoDB::Table")) + "/index/" + request["name"].split("/index/", 1)[1]
    if kind == "key":
        return arn("AWS::KMS::Key", one("AWS::KMS::Key"))
    if kind == "secret":
        return arn("AWS::SecretsManager::Secret", one("AWS::SecretsManager::Secret"))
    return "*"


def check():
    translated, roles = load_roles()
    failures, lines = [], []
    seen = {}  # function -> {(action, resource, context as json)}
    for fn, (module, role, key_policy) in roles.items():
        requests = recorded(module)
        if not requests:
            failures.append(f"{fn}: no AWS request recorded in {module}/target/aws-requests (run its tests first)")
        seen[fn] = {}
        for q in requests:
            resource = resource_of(translated, q)
            context = kms_context(q.get("encryption_context") or {})
            ctx = {k: v for k, v in context.items() if k != "kms:EncryptionContextKeys"}
            key = (q["action"], resource, json.dumps(sorted(k.split(":", 2)[2] for k in ctx)))
            seen[fn][key] = context
        for (action, resource, _), context in sorted(seen[fn].items()):
            ok = allowed(role, key_policy, action, resource, context)
            lines.append(f"  {'allowed' if ok else 'DENIED '} {fn}: {action} {resource}"
                         + (f" context keys {sorted(context.get('kms:EncryptionContextKeys', []))}" if action.startswith('kms:') else ""))
            if not ok:
                failures.append(f"{fn}: its recorded {action} on {resource} is denied by its role")
    # 2. Decrypt without the instance context, or with another key beside it.
    for fn, (module, role, key_policy) in roles.items():
        key_arn = resource_of(translated, {"kind": "key"})
        if not any(a == "kms:Decrypt" for a, _, _ in seen.get(fn, {})):
            continue
        for label, ctx in (("no encryption context", {}), ("instance_id and another key", {"instance_id": "i", "tenant_id": "t"}),
                           ("another key only", {"tenant_id": "t"})):
            ok = allowed(role, key_policy, "kms:Decrypt", key_arn, kms_context(ctx))
            lines.append(f"  {'ALLOWED' if ok else 'denied '} {fn}: kms:Decrypt with {label}")
            if ok:
                failures.append(f"{fn}: kms:Decrypt with {label} is allowed")
        # Another instance's value: IAM's answer, and where the denial really comes from.
        ok = allowed(role, key_policy, "kms:Decrypt", key_arn, kms_context({"instance_id": "another-instance"}))
        lines.append(f"  {'allowed by IAM' if ok else 'denied by IAM'} {fn}: kms:Decrypt with another instance's "
                     "instance_id (one role serves every instance); denied by KMS itself: a data key opens only "
                     "under the encryption context it was made with (CredentialVaultIT, moto and MiniStack)")
    # 3. Each function denied what only the others need.
    for fn, (module, role, key_policy) in roles.items():
        mine = {(a, r) for a, r, _ in seen.get(fn, {})}
        for other, requests in seen.items():
            for (action, resource, _), context in requests.items():
                if other == fn or (action, resource) in mine or (fn, action) in UNEXERCISED:
                    continue
                if allowed(role, key_policy, action, resource, context):
                    failures.append(f"{fn}: allowed {action} on {resource}, which only {other} was seen to need")
    # 4. Granted and never exercised, per action and resource.
    for fn, (module, role, key_policy) in roles.items():
        used = {(a, r) for a, r, _ in seen.get(fn, {})}
        for action, resource in unexercised_grants(role, used):
            why = reason(fn, action, resource)
            lines.append(f"  unexercised {fn}: {action} on {resource} — {why or 'NO REASON'}")
            if not why:
                failures.append(f"{fn}: {action} on {resource} is granted and no test exercised it "
                                "(narrow the policy, or say why in UNEXERCISED)")
    print("\n".join(sorted(set(lines))))
    for f in failures:
        print(f"FAILED {f}")
    total = sum(len(v) for v in seen.values())
    print(f"iam: {total} distinct recorded requests over {len(roles)} functions, {len(failures)} failed")
    return 1 if failures else 0


def self_test():
    """The evaluator's own cases, each both ways."""
    key = "arn:aws:kms:us-east-1:1:key/k"
    webhook = [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key, "Condition": {
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["instance_id"]},
        "Null": {"kms:EncryptionContext:instance_id": "false"}}}]
    cases = [
        (webhook, "kms:Decrypt", key, kms_context({"instance_id": "a"}), True),
        (webhook, "kms:Decrypt", key, kms_context({}), False),
        (webhook, "kms:Decrypt", key, kms_context({"instance_id": "a", "x": "y"}), False),
        (webhook, "kms:Encrypt", key, kms_context({"instance_id": "a"}), False),
        (webhook, "kms:Decrypt", key + "2", kms_context({"instance_id": "a"}), False),
        ([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
           "Condition": {"StringEquals": {"kms:EncryptionContext:instance_id": "a"}}}],
         "kms:Decrypt", key, kms_context({"instance_id": "b"}), False),
        ([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
           "Condition": {"StringEquals": {"kms:EncryptionContext:instance_id": "a"}}}],
         "kms:Decrypt", key, kms_context({"instance_id": "a"}), True),
        ([{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "arn:t/index/by_sweep"}],
         "dynamodb:Query", "arn:t", {}, False),
        ([{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "arn:t/index/by_sweep"}],
         "dynamodb:Query", "arn:t/index/by_sweep", {}, True),
        ([{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:t*"},
          {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}], "dynamodb:DeleteItem", "arn:t", {}, False),
        ([{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:t*"}], "DynamoDB:getitem", "arn:t", {}, True),
    ]
    bad = [c for c in cases if decide(c[0], c[1], c[2], c[3]) != c[4]]
    for c in bad:
        print(f"FAILED self-test: {c[1]} {c[2]} {c[3]} expected {c[4]}")
    # Unexercised grants are counted per action and resource.
    table = "arn:t"
    role = [{"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": [f"{table}/index/by_sweep", f"{table}/index/by_tenant"]},
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": table},
            {"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"}]
    grants = [
        ({("dynamodb:Query", f"{table}/index/by_sweep"), ("dynamodb:GetItem", table), ("dynamodb:PutItem", table),
          ("logs:PutLogEvents", "arn:g")}, [("dynamodb:Query", f"{table}/index/by_tenant")]),
        ({("dynamodb:Query", f"{table}/index/by_sweep"), ("dynamodb:Query", f"{table}/index/by_tenant"),
          ("dynamodb:getitem", table), ("logs:PutLogEvents", "arn:g")}, [("dynamodb:PutItem", table)]),
        (set(), [("dynamodb:Query", f"{table}/index/by_sweep"), ("dynamodb:Query", f"{table}/index/by_tenant"),
                 ("dynamodb:GetItem", table), ("dynamodb:PutItem", table), ("logs:*", "*")]),
    ]
    for used, expected in grants:
        got = unexercised_grants(role, used)
        cases.append(None)
        if sorted(got) != sorted(expected):
            bad.append(None)
            print(f"FAILED self-test: unexercised grants with {sorted(used)}: {got}, expected {expected}")
    print(f"iam self-test: {len(cases) - len(bad)} of {len(cases)} cases")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(self_test() if "--self-test" in sys.argv else check())
