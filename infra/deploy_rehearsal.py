"""Deploys template.yaml with CloudFormation on MiniStack and checks what was made against what it declares.

The rehearsal of a first deploy, run by `./hydra test` (infra/voice-local DeployRehearsalIT):

1. package: every function's -lambda.zip (mvn package) uploaded to an S3 bucket on the emulator, keyed
   by its SHA-256, as `sam deploy` uploads it; the template's CodeUri points there;
2. translate with SAM's own translator (aws-sam-translator in .venv, what CloudFormation's
   AWS::Serverless-2016-10-31 transform runs), upload the result, CreateStack from its URL (the
   translated template is over CreateStack's 51,200-byte body limit, as on AWS);
3. check every resource the translated template declares, by type, against the emulator's own
   describe calls (nothing is taken from CloudFormation's word alone), with the template's intrinsic
   functions resolved the way AWS resolves them; then every output against what it names;
4. the operator CLI (`./hydra admin`) makes a tenant, a key and an instance from the outputs alone;
   `./hydra deploy --dry-run` with infra/deploy-config.example.toml (checked, then pointed at the
   emulator's stack, region and bucket) against the stack (sam build, sam deploy --no-execute-changeset: the
   untranslated template, MiniStack's CloudFormation running SAM's translator) prints a change set
   and changes nothing; `./hydra deploy --outputs` prints the API URL and ./hydra admin commands
   from the outputs, and the first of them runs; `./hydra local --stack` runs the functions against
   the stack's table, key and secret, and setup, a signed webhook, status, list and teardown go
   through it over HTTP with the key and instance ./hydra admin made;
5. UpdateStack with a changed parameter (LogRetentionDays), every check again;
6. DeleteStack: the retained resources (the table, the KMS key) stay, the others are gone.

What MiniStack cannot create, or reports differently from AWS, is listed in EMULATOR_DIFFERENCES
with the reason (docs/deploy.md repeats it); a check that meets one prints it and passes, and
says so when the emulator has caught up. Every other mismatch fails. Exit status 0 when all held.

Usage: .venv/bin/python infra/deploy_rehearsal.py [--endpoint URL] [--stack NAME] [--keep]
(--endpoint: a running MiniStack with the services below; by default one is started and stopped.)
"""
import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
from botocore.exceptions import ClientError
from samtranslator.translator.transform import transform as sam_transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
BUCKET = "hydra-deploy-artifacts"
SERVICES = ("dynamodb,kms,secretsmanager,sts,cloudformation,s3,iam,lambda,logs,cloudwatch,sqs,events,"
            "apigatewayv2")
PARAMETERS = {"PublicBaseUrl": "https://voice.example.com"}
UPDATED = {"LogRetentionDays": "14"}
METRICS_SOURCE = ROOT / "functions/voice-core/src/main/java/dev/hydracore/voice/core/Metrics.java"
EXAMPLE_CONFIG = ROOT / "infra/deploy-config.example.toml"
sys.path.insert(0, str(ROOT / "infra"))
import deploy as deploy_py  # noqa: E402  (./hydra deploy's own reading of a config file)

EMULATOR_DIFFERENCES = {
    "alarm-metric-math": "MiniStack's AWS::CloudWatch::Alarm refuses Metrics (metric math: the API 5xx rate, "
                         "DynamoDB throttles); those alarms are left out of the stack and their metrics are "
                         "checked in the template instead",
    "secret-ref-is-name": "Ref on an AWS::SecretsManager::Secret is its ARN on AWS; MiniStack gives its name "
                          "(both identify the secret to GetSecretValue)",
    "table-sse": "MiniStack's DescribeTable has no SSEDescription for a table created with SSEEnabled",
    "table-ttl": "MiniStack's CloudFormation does not apply a table's TimeToLiveSpecification "
                 "(UpdateTimeToLive on the table does work; ./hydra bootstrap uses it)",
    "table-pitr": "MiniStack's CloudFormation does not apply PointInTimeRecoverySpecification",
    "api-body": "MiniStack's AWS::ApiGatewayV2::Api ignores Body, the OpenAPI document SAM writes every "
                "route and integration into (and the title that names the API): the API has no routes; "
                "the routes are checked in the translated Body instead",
    "secret-generate": "MiniStack's GenerateSecretString ignores ExcludePunctuation (its value has punctuation; "
                       "the length is right); AWS honours it",
    "reserved-concurrency": "MiniStack's CloudFormation does not apply a function's ReservedConcurrentExecutions",
    "stage-throttles": "MiniStack's GetStages reports DefaultRouteSettings and RouteSettings without their "
                       "throttling values",
}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failures = []
        self.differences = {}

    def equal(self, what, actual, expected, difference=None):
        if _norm(actual) == _norm(expected):
            self.passed += 1
            if difference:
                self.differences.setdefault(difference, []).append(f"{what}: now as on AWS")
        elif difference:
            assert difference in EMULATOR_DIFFERENCES, difference
            seen = self.differences.setdefault(difference, [])
            if what not in seen:
                seen.append(what)
        else:
            self.failures.append(f"{what}:\n    expected {json.dumps(_norm(expected), default=str)}"
                                 f"\n    actual   {json.dumps(_norm(actual), default=str)}")

    def true(self, what, condition, difference=None):
        self.equal(what, bool(condition), True, difference)

    def fail(self, what):
        self.failures.append(what)


def _norm(v):
    """Order-free, type-tolerant form for comparing: CloudFormation turns numbers into strings and
    lists of statements may come back in any order."""
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        items = [_norm(x) for x in v]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, default=str))
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() else str(v)
    if isinstance(v, str) and re.fullmatch(r"-?\d+(\.0+)?", v):
        return str(int(float(v)))
    return v


def _policy(doc):
    if isinstance(doc, str):
        from urllib.parse import unquote
        doc = json.loads(unquote(doc) if doc.startswith("%7B") else doc)
    doc = dict(doc)
    doc.pop("Version", None)
    statements = doc.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    out = []
    for s in statements:
        s = {k: ([v] if k in ("Action", "Resource") and isinstance(v, str) else v) for k, v in s.items()}
        if isinstance(s.get("Principal"), dict):
            s["Principal"] = {k: ([v] if isinstance(v, str) else v) for k, v in s["Principal"].items()}
        out.append(s)
    doc["Statement"] = out
    return doc


# --- the stack and AWS's intrinsic functions -------------------------------------------------------

NO_VALUE = object()


class Stack:
    """A created stack: its resources' physical ids, and the template's intrinsics resolved as AWS
    resolves them (emulator=True: as MiniStack does, where the two differ)."""

    def __init__(self, aws, name, template, parameters):
        self.aws, self.name, self.template = aws, name, template
        self.account = aws("sts").get_caller_identity()["Account"]
        self.params = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
        self.params.update(parameters)
        self.physical = {}
        for page in aws("cloudformation").get_paginator("list_stack_resources").paginate(StackName=name):
            for r in page["StackResourceSummaries"]:
                self.physical[r["LogicalResourceId"]] = r["PhysicalResourceId"]
        self.conditions = {k: self.resolve(v) for k, v in template.get("Conditions", {}).items()}
        self._atts = {}

    def type(self, logical):
        return self.template["Resources"][logical]["Type"]

    def ref(self, name, emulator=False):
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": self.account, "AWS::Partition": "aws",
                  "AWS::StackName": self.name, "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": NO_VALUE}
        if name in pseudo:
            return pseudo[name]
        if name in self.params:
            return self.params[name]
        physical = self.physical[name]
        if self.type(name) == "AWS::SecretsManager::Secret" and not emulator:
            return self.aws("secretsmanager").describe_secret(SecretId=physical)["ARN"]
        return physical

    def att(self, logical, attribute):
        key = (logical, attribute)
        if key not in self._atts:
            self._atts[key] = self._describe_att(logical, attribute)
        return self._atts[key]

    def _describe_att(self, logical, attribute):
        t, p = self.type(logical), self.physical[logical]
        if (t, attribute) == ("AWS::DynamoDB::Table", "Arn"):
            return self.aws("dynamodb").describe_table(TableName=p)["Table"]["TableArn"]
        if (t, attribute) == ("AWS::KMS::Key", "Arn"):
            return self.aws("kms").describe_key(KeyId=p)["KeyMetadata"]["Arn"]
        if (t, attribute) == ("AWS::SQS::Queue", "Arn"):
            return self.aws("sqs").get_queue_attributes(QueueUrl=p, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if (t, attribute) == ("AWS::Logs::LogGroup", "Arn"):
            return f"arn:aws:logs:{REGION}:{self.account}:log-group:{p}:*"
        if (t, attribute) == ("AWS::Events::Rule", "Arn"):
            return self.aws("events").describe_rule(Name=p)["Arn"]
        if (t, attribute) == ("AWS::IAM::Role", "Arn"):
            return self.aws("iam").get_role(RoleName=p)["Role"]["Arn"]
        if (t, attribute) == ("AWS::Lambda::Version", "Version"):
            return p.rsplit(":", 1)[1]
        if (t, attribute) == ("AWS::Lambda::Function", "Arn"):
            return self.aws("lambda").get_function_configuration(FunctionName=p)["FunctionArn"]
        raise ValueError(f"no rule for Fn::GetAtt {logical}.{attribute} ({t})")

    def resolve(self, node, emulator=False):
        r = lambda n: self.resolve(n, emulator)  # noqa: E731
        if isinstance(node, list):
            return [x for x in (r(n) for n in node) if x is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Ref":
                return self.ref(arg, emulator)
            if fn == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.att(logical, attribute)
            if fn == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], {k: r(v) for k, v in arg[1].items()})

                def sub(m):
                    name = m.group(1)
                    if name in variables:
                        return str(variables[name])
                    if "." in name and not name.startswith("AWS::"):
                        return str(self.att(*name.split(".", 1)))
                    return str(self.ref(name, emulator))
                return re.sub(r"\$\{([^}!]+)\}", sub, text)
            if fn == "Fn::If":
                return r(arg[1] if self.conditions[arg[0]] else arg[2])
            if fn == "Fn::Join":
                return arg[0].join(str(x) for x in r(arg[1]))
            if fn == "Fn::Select":
                return r(arg[1])[int(r(arg[0]))]
            if fn == "Fn::Equals":
                return str(r(arg[0])) == str(r(arg[1]))
            if fn == "Fn::Not":
                return not r(arg[0])
            if fn == "Fn::And":
                return all(r(a) for a in arg)
            if fn == "Fn::Or":
                return any(r(a) for a in arg)
            if fn == "Condition":
                return self.conditions[arg]
        return {k: v for k, v in ((k, r(v)) for k, v in node.items()) if v is not NO_VALUE}

    def both(self, node):
        """(as AWS resolves it, as MiniStack does): equal unless a secret's Ref is inside."""
        return self.resolve(node), self.resolve(node, emulator=True)


def compare(checks, stack, what, actual, node):
    aws_value, emulator_value = stack.both(node)
    if _norm(actual) != _norm(aws_value) and _norm(actual) == _norm(emulator_value):
        checks.equal(what, actual, aws_value, "secret-ref-is-name")
    else:
        checks.equal(what, actual, aws_value)


# --- checks by resource type -----------------------------------------------------------------------

def check_table(c, s, logical, props):
    ddb = s.aws("dynamodb")
    t = ddb.describe_table(TableName=s.physical[logical])["Table"]
    w = f"{logical} (table)"
    c.equal(f"{w} KeySchema", t["KeySchema"], props["KeySchema"])
    c.equal(f"{w} AttributeDefinitions", t["AttributeDefinitions"], props["AttributeDefinitions"])
    c.equal(f"{w} BillingMode", t.get("BillingModeSummary", {}).get("BillingMode"), props.get("BillingMode"))
    c.equal(f"{w} DeletionProtectionEnabled", t.get("DeletionProtectionEnabled", False),
            props.get("DeletionProtectionEnabled", False))
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        actual = [{"IndexName": i["IndexName"], "KeySchema": i["KeySchema"],
                   "Projection": {"ProjectionType": i["Projection"]["ProjectionType"]}} for i in t.get(kind, [])]
        c.equal(f"{w} {kind}", actual, props.get(kind, []))
    if "SSESpecification" in props:
        c.equal(f"{w} SSE", t.get("SSEDescription", {}).get("Status") == "ENABLED",
                props["SSESpecification"]["SSEEnabled"], "table-sse")
    if "TimeToLiveSpecification" in props:
        ttl = ddb.describe_time_to_live(TableName=s.physical[logical])["TimeToLiveDescription"]
        spec = props["TimeToLiveSpecification"]
        c.equal(f"{w} TTL", [ttl.get("AttributeName"), ttl.get("TimeToLiveStatus") == "ENABLED"],
                [spec["AttributeName"], spec["Enabled"]], "table-ttl")
    if "PointInTimeRecoverySpecification" in props:
        pitr = ddb.describe_continuous_backups(TableName=s.physical[logical])["ContinuousBackupsDescription"]
        c.equal(f"{w} PITR", pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED",
                props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], "table-pitr")


def check_key(c, s, logical, props):
    kms = s.aws("kms")
    p = s.physical[logical]
    meta = kms.describe_key(KeyId=p)["KeyMetadata"]
    w = f"{logical} (KMS key)"
    c.equal(f"{w} KeySpec, KeyUsage, enabled", [meta.get("KeySpec"), meta["KeyUsage"], meta["Enabled"]],
            [props.get("KeySpec", "SYMMETRIC_DEFAULT"), props.get("KeyUsage", "ENCRYPT_DECRYPT"), True])
    c.equal(f"{w} rotation", kms.get_key_rotation_status(KeyId=p)["KeyRotationEnabled"],
            props.get("EnableKeyRotation", False))
    c.equal(f"{w} policy", _policy(kms.get_key_policy(KeyId=p, PolicyName="default")["Policy"]),
            _policy(s.resolve(props["KeyPolicy"])))


def check_key_alias(c, s, logical, props):
    aliases = {a["AliasName"]: a for a in s.aws("kms").list_aliases()["Aliases"]}
    name = s.resolve(props["AliasName"])
    c.true(f"{logical} (KMS alias) {name} exists", name in aliases)
    if name in aliases:
        c.equal(f"{logical} target", aliases[name].get("TargetKeyId"), s.resolve(props["TargetKeyId"]))


def check_secret(c, s, logical, props):
    sm = s.aws("secretsmanager")
    d = sm.describe_secret(SecretId=s.physical[logical])
    c.equal(f"{logical} (secret) name, description", [d["Name"], d.get("Description")],
            [s.resolve(props.get("Name", d["Name"])), props.get("Description")])
    gen = props.get("GenerateSecretString")
    if gen:
        value = sm.get_secret_value(SecretId=s.physical[logical])["SecretString"]
        # Only the shape is compared: the value is a secret and is never printed.
        c.equal(f"{logical} generated value's length", len(value), gen.get("PasswordLength", 32))
        if gen.get("ExcludePunctuation"):
            c.true(f"{logical} generated value has no punctuation", value.isalnum(), "secret-generate")


def check_role(c, s, logical, props):
    iam = s.aws("iam")
    name = s.physical[logical]
    role = iam.get_role(RoleName=name)["Role"]
    w = f"{logical} (role)"
    c.equal(f"{w} trust policy", _policy(role["AssumeRolePolicyDocument"]),
            _policy(props["AssumeRolePolicyDocument"]))
    attached = [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    c.equal(f"{w} managed policies", attached, s.resolve(props.get("ManagedPolicyArns", [])))
    inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
    declared = {p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])}
    c.equal(f"{w} inline policy names", inline, list(declared))
    for policy_name, doc in declared.items():
        if policy_name in inline:
            actual = _policy(iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"])
            aws_doc, emulator_doc = (_policy(d) for d in s.both(doc))
            what = f"{w} {policy_name}"
            if _norm(actual) != _norm(aws_doc) and _norm(actual) == _norm(emulator_doc):
                c.equal(what, actual, aws_doc, "secret-ref-is-name")
            else:
                c.equal(what, actual, aws_doc)


def check_log_group(c, s, logical, props):
    name = s.resolve(props["LogGroupName"]) if "LogGroupName" in props else s.physical[logical]
    groups = s.aws("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    group = next((g for g in groups if g["logGroupName"] == name), None)
    c.true(f"{logical} (log group) {name} exists", group)
    if group:
        c.equal(f"{logical} retention", group.get("retentionInDays"), s.resolve(props.get("RetentionInDays")))


ALARM_FIELDS = ("Namespace", "MetricName", "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm",
                "Threshold", "ComparisonOperator", "TreatMissingData", "ActionsEnabled", "AlarmDescription")


def check_alarm(c, s, logical, props):
    alarms = s.aws("cloudwatch").describe_alarms(AlarmNames=[s.physical[logical]])["MetricAlarms"]
    c.true(f"{logical} (alarm) exists", alarms)
    if alarms:
        a = alarms[0]
        for field in ALARM_FIELDS:
            if field in props:
                c.equal(f"{logical} {field}", a.get(field), s.resolve(props[field]))
        c.equal(f"{logical} Dimensions", a.get("Dimensions", []), s.resolve(props.get("Dimensions", [])))
        for field in ("AlarmActions", "OKActions"):
            declared = s.resolve(props.get(field, []))
            c.equal(f"{logical} {field}", a.get(field, []), [] if declared is NO_VALUE else declared)


def check_queue(c, s, logical, props):
    attrs = s.aws("sqs").get_queue_attributes(QueueUrl=s.physical[logical], AttributeNames=["All"])["Attributes"]
    for field in ("MessageRetentionPeriod", "SqsManagedSseEnabled", "VisibilityTimeout", "DelaySeconds"):
        if field in props:
            c.equal(f"{logical} (queue) {field}", str(attrs.get(field)).lower(), str(props[field]).lower())


def check_queue_policy(c, s, logical, props):
    for queue in s.resolve(props["Queues"]):
        attrs = s.aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"]
        c.true(f"{logical} (queue policy) set on {queue.rsplit('/', 1)[1]}", "Policy" in attrs)
        if "Policy" in attrs:
            c.equal(f"{logical} document", _policy(attrs["Policy"]), _policy(s.resolve(props["PolicyDocument"])))


def check_rule(c, s, logical, props):
    ev = s.aws("events")
    name = s.physical[logical]
    rule = ev.describe_rule(Name=name)
    w = f"{logical} (rule)"
    c.equal(f"{w} schedule, state", [rule.get("ScheduleExpression"), rule.get("State")],
            [props.get("ScheduleExpression"), props.get("State", "ENABLED")])
    targets = ev.list_targets_by_rule(Rule=name)["Targets"]
    c.equal(f"{w} targets", [{k: t.get(k) for k in ("Id", "Arn", "DeadLetterConfig", "RetryPolicy") if k in t}
                             for t in targets], s.resolve(props.get("Targets", [])))


def check_function(c, s, logical, props):
    lam = s.aws("lambda")
    p = s.physical[logical]
    f = lam.get_function_configuration(FunctionName=p)
    w = f"{logical} (function)"
    for field, default in (("Runtime", None), ("Handler", None), ("MemorySize", 128), ("Timeout", 3),
                           ("Description", ""), ("Architectures", ["x86_64"])):
        c.equal(f"{w} {field}", f.get(field), s.resolve(props.get(field, default)))
    c.equal(f"{w} Role", f["Role"], s.resolve(props["Role"]))
    c.equal(f"{w} TracingConfig", f.get("TracingConfig", {}).get("Mode"), props.get("TracingConfig", {}).get("Mode"))
    logging = s.resolve(props.get("LoggingConfig", {}))
    c.equal(f"{w} LoggingConfig", {k: f.get("LoggingConfig", {}).get(k) for k in logging}, logging)
    c.equal(f"{w} SnapStart", f.get("SnapStart", {}).get("ApplyOn", "None"),
            props.get("SnapStart", {}).get("ApplyOn", "None"))
    compare(c, s, f"{w} Environment", f.get("Environment", {}).get("Variables", {}),
            props.get("Environment", {}).get("Variables", {}))
    if "ReservedConcurrentExecutions" in props:
        c.equal(f"{w} reserved concurrency",
                lam.get_function_concurrency(FunctionName=p).get("ReservedConcurrentExecutions"),
                props["ReservedConcurrentExecutions"], "reserved-concurrency")


def check_version(c, s, logical, props):
    lam = s.aws("lambda")
    v = lam.get_function_configuration(FunctionName=s.physical[logical])
    fn = s.resolve(props["FunctionName"])
    c.equal(f"{logical} (version) of", v["FunctionName"], fn)
    c.true(f"{logical} is published (not $LATEST)", v["Version"] != "$LATEST")
    snap = s.template["Resources"][_function_of(s, fn)]["Properties"].get("SnapStart", {}).get("ApplyOn")
    if snap == "PublishedVersions":
        c.equal(f"{logical} SnapStart on the published version", v.get("SnapStart", {}).get("OptimizationStatus"), "On")


def _function_of(s, name):
    return next(k for k, v in s.physical.items() if v == name and s.type(k) == "AWS::Lambda::Function")


def check_alias(c, s, logical, props):
    fn = s.resolve(props["FunctionName"])
    a = s.aws("lambda").get_alias(FunctionName=fn, Name=props["Name"])
    c.equal(f"{logical} (alias) version", a["FunctionVersion"], s.resolve(props["FunctionVersion"]))


def check_permission(c, s, logical, props):
    target = s.resolve(props["FunctionName"])
    fn, _, qualifier = target.split(":function:", 1)[1].partition(":") if ":function:" in target else (target, "", "")
    policy = json.loads(s.aws("lambda").get_policy(FunctionName=fn, **({"Qualifier": qualifier} if qualifier else {}))["Policy"])
    mine = [st for st in policy["Statement"] if st.get("Sid") == s.physical[logical]]
    c.true(f"{logical} (permission) on {target}", mine)
    if mine:
        st = mine[0]
        c.equal(f"{logical} action, principal", [st["Action"], st["Principal"].get("Service")],
                [props["Action"], props["Principal"]])
        source = next(iter(st.get("Condition", {}).get("ArnLike", {}).values()), None)
        c.equal(f"{logical} source", source, s.resolve(props.get("SourceArn")))


def check_invoke_config(c, s, logical, props):
    fn = s.resolve(props["FunctionName"])
    cfg = s.aws("lambda").get_function_event_invoke_config(FunctionName=fn, Qualifier=props["Qualifier"])
    c.equal(f"{logical} (event invoke config)",
            [cfg.get("MaximumRetryAttempts"), cfg.get("MaximumEventAgeInSeconds"), cfg.get("DestinationConfig", {})],
            [props.get("MaximumRetryAttempts"), props.get("MaximumEventAgeInSeconds"),
             s.resolve(props.get("DestinationConfig", {}))])


def check_api(c, s, logical, props):
    ag = s.aws("apigatewayv2")
    api_id = s.physical[logical]
    api = ag.get_api(ApiId=api_id)
    c.equal(f"{logical} (HTTP API) protocol", api["ProtocolType"], "HTTP")
    body = s.resolve(props.get("Body", {}))
    declared = {f"{m.upper()} {path}": op["x-amazon-apigateway-integration"]
                for path, ops in body.get("paths", {}).items() for m, op in ops.items()}
    routes = {r["RouteKey"] for r in ag.get_routes(ApiId=api_id)["Items"]}
    c.equal(f"{logical} routes on the emulator", sorted(routes), sorted(declared), "api-body")
    c.equal(f"{logical} name", api["Name"], body.get("info", {}).get("title"), "api-body")
    # Every HttpApi event of every function is a route of the Body, integrated with that function's alias.
    for fn, res in s.source["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        for event in res["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            key = f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}"
            integration = declared.get(key)
            c.true(f"{logical} declares {key}", integration)
            if integration:
                alias = s.ref(f"{fn}Alias{res['Properties'].get('AutoPublishAlias', s.source_alias)}")
                c.equal(f"{key} integration", [integration.get("type"), integration.get("payloadFormatVersion"),
                                               integration.get("uri")],
                        ["aws_proxy", "2.0", f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{alias}/invocations"])


def check_stage(c, s, logical, props):
    api_id = s.resolve(props["ApiId"])
    stages = {st["StageName"]: st for st in s.aws("apigatewayv2").get_stages(ApiId=api_id)["Items"]}
    name = props.get("StageName", "$default")
    c.true(f"{logical} (stage) {name} exists", name in stages)
    if name not in stages:
        return
    st = stages[name]
    c.equal(f"{logical} AutoDeploy", st.get("AutoDeploy", False), props.get("AutoDeploy", False))
    logs = s.resolve(props.get("AccessLogSettings", {}))
    c.equal(f"{logical} access log", st.get("AccessLogSettings", {}), logs)
    c.equal(f"{logical} default throttles", st.get("DefaultRouteSettings", {}),
            props.get("DefaultRouteSettings", {}), "stage-throttles")
    c.equal(f"{logical} route throttles", st.get("RouteSettings", {}), props.get("RouteSettings", {}), "stage-throttles")


def emitted_metrics():
    """The metric names the functions write (voice-core Metrics.NAMES, by their constants)."""
    src = METRICS_SOURCE.read_text()
    constants = dict(re.findall(r'static final String ([A-Z_]+) = "([^"]+)";', src))
    names = re.search(r"NAMES = List\.of\(([^)]*)\)", src).group(1)
    return {constants[n.strip()] for n in names.split(",") if n.strip()}


def dashboard_metrics(body):
    """(namespace, metric name) of every metric a dashboard body's widgets graph."""
    found = []
    for widget in body.get("widgets", []):
        namespace = None
        for row in widget.get("properties", {}).get("metrics", []):
            for options in (p for p in row if isinstance(p, dict) and "expression" in p):
                # SEARCH('{Namespace,dimension,...} MetricName="Name" ...', ...)
                m = re.search(r"SEARCH\('\{([^,}]+)[^}]*\}[^']*MetricName=\"([^\"]+)\"", options["expression"])
                found.append((m.group(1), m.group(2)) if m else (None, options["expression"]))
            parts = [p for p in row if not isinstance(p, dict)]
            if not parts or parts[0] == "...":
                continue
            if parts[0] == ".":
                found.append((namespace, parts[1]))
            else:
                namespace = parts[0]
                found.append((parts[0], parts[1] if len(parts) > 1 and parts[1] != "." else None))
    return found


def check_dashboard(c, s, logical, props):
    expected = json.loads(s.resolve(props["DashboardBody"]))
    d = s.aws("cloudwatch").get_dashboard(DashboardName=s.physical[logical])
    c.equal(f"{logical} (dashboard) body", json.loads(d["DashboardBody"]), expected)
    check_dashboard_metrics(c, logical, expected, s.params["MetricsNamespace"])
    functions = sorted(s.physical[k] for k in s.physical if s.type(k) == "AWS::Lambda::Function")
    check_dashboard_functions(c, logical, expected, functions)


def search_expressions(body):
    return [o["expression"] for w in body.get("widgets", []) for row in w.get("properties", {}).get("metrics", [])
            for o in row if isinstance(o, dict) and "expression" in o and "SEARCH(" in o["expression"]]


def lambda_rows(body):
    """{(metric, stat): [FunctionName, ...]} of the widgets' explicit AWS/Lambda rows."""
    found = {}
    for w in body.get("widgets", []):
        props = w.get("properties", {})
        for row in props.get("metrics", []):
            parts = [p for p in row if not isinstance(p, dict)]
            options = next((p for p in row if isinstance(p, dict)), {})
            if len(parts) >= 4 and parts[0] == "AWS/Lambda" and parts[2] == "FunctionName":
                key = (parts[1], options.get("stat", props.get("stat")))
                found.setdefault(key, []).append(parts[3])
    return found


def check_dashboard_functions(c, logical, body, functions):
    """CloudWatch search: a quoted value is an exact match, an unquoted one a partial (token) match.
    A SEARCH here may quote MetricName only, so that no quoted prefix (FunctionName="<stack>-") matches
    nothing on AWS; and the Lambda widgets name every function of the stack, for each metric and statistic."""
    for expression in search_expressions(body):
        quoted = sorted(set(re.findall(r'(\w+)\s*=\s*"', expression)))
        c.equal(f"{logical} SEARCH quotes MetricName only (a quoted value is an exact match): {expression}",
                quoted, ["MetricName"])
    rows = lambda_rows(body)
    c.true(f"{logical} graphs the functions' Lambda metrics", rows)
    for (metric, stat), names in sorted(rows.items(), key=str):
        c.equal(f"{logical} AWS/Lambda {metric} ({stat}): every function of the stack, once", sorted(names),
                functions)


def check_dashboard_metrics(c, logical, body, namespace):
    emitted = emitted_metrics()
    for ns, name in dashboard_metrics(body):
        if ns == namespace:
            c.true(f"{logical} graphs {name}, which the functions emit", name in emitted)
        else:
            c.true(f"{logical} graphs {ns} {name}, an AWS service metric", ns and ns.startswith("AWS/") and name)


CHECKS = {
    "AWS::DynamoDB::Table": check_table,
    "AWS::KMS::Key": check_key,
    "AWS::KMS::Alias": check_key_alias,
    "AWS::SecretsManager::Secret": check_secret,
    "AWS::IAM::Role": check_role,
    "AWS::Logs::LogGroup": check_log_group,
    "AWS::CloudWatch::Alarm": check_alarm,
    "AWS::CloudWatch::Dashboard": check_dashboard,
    "AWS::SQS::Queue": check_queue,
    "AWS::SQS::QueuePolicy": check_queue_policy,
    "AWS::Events::Rule": check_rule,
    "AWS::Lambda::Function": check_function,
    "AWS::Lambda::Version": check_version,
    "AWS::Lambda::Alias": check_alias,
    "AWS::Lambda::Permission": check_permission,
    "AWS::Lambda::EventInvokeConfig": check_invoke_config,
    "AWS::ApiGatewayV2::Api": check_api,
    "AWS::ApiGatewayV2::Stage": check_stage,
}


def output_meaning(s):
    """What each output must be, from the resource it names: what ./hydra admin and ./hydra deploy
    read them as. An output not listed here fails the rehearsal until it is."""
    def only(resource_type):
        found = [k for k in s.physical if s.type(k) == resource_type]
        assert len(found) == 1, (resource_type, found)
        return found[0]
    return {
        "ApiUrl": lambda: f"https://{s.physical[only('AWS::ApiGatewayV2::Api')]}.execute-api.{REGION}.amazonaws.com",
        "TableName": lambda: s.physical[only("AWS::DynamoDB::Table")],
        "CredentialsKeyArn": lambda: s.att(only("AWS::KMS::Key"), "Arn"),
        "PepperSecretArn": lambda: s.ref(only("AWS::SecretsManager::Secret")),
        "DashboardName": lambda: s.physical[only("AWS::CloudWatch::Dashboard")],
    }


def check_outputs(c, s, outputs):
    meaning = output_meaning(s)
    declared = s.template.get("Outputs", {})
    c.equal("stack outputs", sorted(outputs), sorted(declared))
    for name in declared:
        if name not in meaning:
            c.fail(f"output {name}: the rehearsal does not know what it must name (output_meaning)")
            continue
        expected = meaning[name]()
        actual = outputs.get(name)
        if name == "PepperSecretArn" and actual != expected and actual == s.physical[next(
                k for k in s.physical if s.type(k) == "AWS::SecretsManager::Secret")]:
            c.equal(f"output {name}", actual, expected, "secret-ref-is-name")
        else:
            c.equal(f"output {name}", actual, expected)


def check_stack(c, s, outputs):
    for logical, res in s.template["Resources"].items():
        if logical not in s.physical:
            c.fail(f"{logical} ({res['Type']}) was not created")
            continue
        check = CHECKS.get(res["Type"])
        if check is None:
            c.fail(f"{logical}: no rehearsal check for {res['Type']} (add one to CHECKS)")
            continue
        try:
            check(c, s, logical, res.get("Properties", {}))
        except (ClientError, KeyError, ValueError) as e:
            c.fail(f"{logical} ({res['Type']}): {type(e).__name__}: {e}")
    roles = [s.resolve(r["Properties"]["Role"]) for r in s.template["Resources"].values()
             if r["Type"] == "AWS::Lambda::Function"]
    c.equal("one role per function", len(set(roles)), len(roles))
    check_outputs(c, s, outputs)


# --- package, translate, create, update, delete ----------------------------------------------------

def package(aws, source):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    template = json.loads(json.dumps(source))
    for logical, res in template["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        module = res["Properties"]["CodeUri"]
        zips = glob.glob(str(ROOT / module / "target" / "*-lambda.zip"))
        if len(zips) != 1:
            raise SystemExit(f"{module}: expected one target/*-lambda.zip (mvn package), found {zips}")
        data = Path(zips[0]).read_bytes()
        key = hashlib.sha256(data).hexdigest() + ".zip"
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        res["Properties"]["CodeUri"] = {"Bucket": BUCKET, "Key": key}
    return template


def translate(template, parameters):
    class NoManagedPolicies:  # the template names no managed policy by its short name
        def load(self):
            return {}
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    return sam_transform(template, parameters, NoManagedPolicies())


def leave_out_unsupported(template):
    left_out = [k for k, v in template["Resources"].items()
                if v["Type"] == "AWS::CloudWatch::Alarm" and "Metrics" in v["Properties"]]
    deployable = json.loads(json.dumps(template))
    for k in left_out:
        del deployable["Resources"][k]
    return deployable, left_out


def check_left_out_alarms(c, template, left_out):
    """What the stack cannot hold is still checked in the template: its metrics are AWS's or emitted."""
    emitted = emitted_metrics()
    for logical in left_out:
        for q in template["Resources"][logical]["Properties"]["Metrics"]:
            metric = q.get("MetricStat", {}).get("Metric")
            if metric:
                ns = metric["Namespace"]
                ok = ns.startswith("AWS/") or (metric["MetricName"] in emitted)
                c.true(f"{logical} (left out) watches {metric['MetricName']}, a metric that exists", ok)
        c.equal(f"{logical} (left out)", "not created", "created", "alarm-metric-math")


def wait(cf, name, goal):
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            st = cf.describe_stacks(StackName=name)["Stacks"][0]
        except ClientError:
            return "DELETE_COMPLETE"
        if not st["StackStatus"].endswith("_IN_PROGRESS"):
            if st["StackStatus"] != goal:
                reasons = [f"  {e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
                           for e in cf.describe_stack_events(StackName=name)["StackEvents"]
                           if e["ResourceStatus"].endswith("FAILED")]
                raise SystemExit(f"stack {name}: {st['StackStatus']}, not {goal}\n" + "\n".join(reasons))
            return st
        time.sleep(0.5)
    raise SystemExit(f"stack {name}: not {goal} within 300 s")


def cfn_parameters(values):
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def admin_from_outputs(c, endpoint, outputs):
    """./hydra admin against what CloudFormation made, knowing only the stack's outputs."""
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION, HYDRA_SKIP_BUILD="1")
    names = ["--table", outputs["TableName"], "--pepper-secret", outputs["PepperSecretArn"], "--json"]

    def admin(*args):
        r = subprocess.run([str(ROOT / "hydra"), "admin", *args, *names], env=env, capture_output=True,
                           text=True, timeout=180)
        if r.returncode != 0:
            c.fail(f"./hydra admin {' '.join(args)}: exit {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
            return None
        return json.loads(r.stdout)
    tenant = admin("tenant", "create", "Rehearsal")
    if not tenant:
        return None
    key = admin("key", "create", "--tenant", tenant["tenant_id"])
    instance = admin("instance", "register", str(uuid.uuid4()), "--tenant", tenant["tenant_id"])
    c.true("./hydra admin made a tenant, a key and an instance in the stack's table", key and instance)
    return {"api_key": key["api_key"], "instance_id": instance["instance_id"]} if key and instance else None


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_against_stack(c, endpoint, stack, outputs, made):
    """./hydra local --stack: the functions run against the table, key and secret CloudFormation made,
    and the end-to-end flow runs over HTTP: setup, a signed webhook, status, list, teardown."""
    import http.client
    import threading
    from retell.lib import webhook_auth
    if not made:
        c.fail("./hydra local --stack: no tenant, key and instance from ./hydra admin to run with")
        return
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
    kms = boto3.client("kms", endpoint_url=endpoint, region_name=REGION)
    tables_before = sorted(ddb.list_tables()["TableNames"])
    keys_before = sorted(k["KeyId"] for k in kms.list_keys()["Keys"])
    port = free_port()
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION, HYDRA_SKIP_BUILD="1")
    env.pop("HYDRA_PUBLIC_URL", None)
    missing = subprocess.run([str(ROOT / "hydra"), "local", "--stack", stack + "-missing", "--port", str(port),
                              "--no-fake-providers"], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=180)
    c.true(f"./hydra local --stack of no such stack exits 1 and says so\n{missing.stderr[-2000:]}",
           missing.returncode == 1 and f"cannot run against stack {stack}-missing" in missing.stderr
           and "READY" not in missing.stdout)
    log = ROOT / "infra/voice-local/target/rehearsal-hydra-local.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as err:
        # Its own process group, so that whatever it leaves (function JVMs) can be ended with it.
        local = subprocess.Popen([str(ROOT / "hydra"), "local", "--stack", stack, "--port", str(port),
                                  "--no-fake-providers"], env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    try:
        ready = {}

        def read_ready():
            for line in local.stdout:
                if line.startswith("READY "):
                    ready.update(json.loads(line[len("READY "):]))
                    break
            for _ in local.stdout:  # drained, so that it never blocks on a full pipe
                pass
        reader = threading.Thread(target=read_ready, daemon=True)
        reader.start()
        deadline = time.monotonic() + 180
        while not ready and local.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if not ready:
            c.fail(f"./hydra local --stack {stack}: no READY line\n{log.read_text()[-3000:]}")
            return
        c.equal("./hydra local --stack names the stack's table, key and secret",
                [ready.get("stack"), ready.get("table"), ready.get("kms_key"), "api_key" in ready],
                [stack, outputs["TableName"], outputs["CredentialsKeyArn"].rsplit("/", 1)[1], False])
        iid, auth = made["instance_id"], {"Authorization": f"Bearer {made['api_key']}"}

        def call(method, path, body=None, headers=None):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request(method, path, body=body, headers=headers or {})
                r = conn.getresponse()
                return r.status, r.read().decode()
            finally:
                conn.close()
        channel = f"/v1/instances/{iid}/channels/voice"
        agent, provider_key = "agent_rehearsal", "key_" + uuid.uuid4().hex
        status, body = call("POST", channel, json.dumps({
            "provider": "retell", "api_key": provider_key, "agent_id": agent, "phone_number": "+14155550100",
            "provider_wiring": False}), dict(auth, **{"Content-Type": "application/json"}))
        c.equal(f"setup through ./hydra local --stack\n{body}", status, 200)
        item = ddb.get_item(TableName=outputs["TableName"], Key=channel_key(ddb, outputs["TableName"], iid))
        c.true("the channel is stored in the stack's table", "Item" in item)
        if "data_key" in item.get("Item", {}):
            # Sealed under the stack's key, bound to this instance: KMS opens the data key with that context.
            opened = kms.decrypt(CiphertextBlob=item["Item"]["data_key"]["B"], EncryptionContext={"instance_id": iid})
            c.equal("the channel's data key is the stack's KMS key's", opened["KeyId"], outputs["CredentialsKeyArn"])
        else:
            c.fail("the stored channel has no data_key (sealed credentials)")
        call_id = "call_" + uuid.uuid4().hex
        event = json.dumps({"event": "call_started", "call": {
            "call_type": "phone_call", "from_number": "+14155550123", "to_number": "+14155550100",
            "direction": "inbound", "call_id": call_id, "agent_id": agent, "call_status": "ongoing",
            "metadata": {}, "start_timestamp": int(time.time() * 1000)}})
        signature = webhook_auth.symmetric["sign"](event, provider_key, int(time.time() * 1000))
        status, body = call("POST", f"/v1/webhooks/voice/{iid}", event.encode(),
                            {"Content-Type": "application/json", "x-retell-signature": signature})
        c.equal("a signed call_started through ./hydra local --stack", [status, body], [200, '{"status":"ok"}'])
        status, body = call("GET", channel, headers=auth)
        c.equal(f"status shows the call\n{body}", [status, json.loads(body).get("active_calls") if status == 200 else body],
                [200, 1])
        status, body = call("GET", channel + "/calls", headers=auth)
        listed = json.loads(body) if status == 200 else []
        c.equal(f"the list shows the call\n{body}", [status, [x.get("call_id") for x in listed]], [200, [call_id]])
        status, body = call("DELETE", channel, headers=auth)
        c.equal(f"teardown through ./hydra local --stack\n{body}", status, 204)
        status, body = call("GET", channel, headers=auth)
        c.equal("status after teardown", json.loads(body).get("status") if status == 200 else body, "not_configured")
        c.equal("./hydra local --stack created no table", sorted(ddb.list_tables()["TableNames"]), tables_before)
        c.equal("./hydra local --stack created no KMS key", sorted(k["KeyId"] for k in kms.list_keys()["Keys"]),
                keys_before)
    finally:
        local.terminate()  # SIGTERM: its shutdown hook ends the function JVMs
        try:
            local.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(local.pid, 9)  # whatever is left of its group
        except ProcessLookupError:
            pass
        local.wait(timeout=30)


def channel_key(ddb, table, iid):
    """The instance item, which holds its voice channel (voice-core TableLayout): INSTANCE#<iid> / INSTANCE."""
    schema = {k["KeyType"]: k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]}
    return {schema["HASH"]: {"S": f"INSTANCE#{iid}"}, schema["RANGE"]: {"S": "INSTANCE"}}


def example_config(c, stack):
    """infra/deploy-config.example.toml, read as ./hydra deploy reads it (infra/deploy.py) and checked:
    SAM's layout, the settings a deploy needs, parameter overrides that are template parameters with
    PublicBaseUrl among them. Returned with the emulator's stack, region and bucket in place of the
    example's, for the rehearsal's own ./hydra deploy runs."""
    settings = deploy_py.deploy_settings(EXAMPLE_CONFIG)
    c.equal("infra/deploy-config.example.toml: [default.deploy.parameters] has what a deploy needs",
            sorted(k for k in ("stack_name", "region", "capabilities", "parameter_overrides") if k in settings),
            ["capabilities", "parameter_overrides", "region", "stack_name"])
    c.true("infra/deploy-config.example.toml names an artifact bucket (resolve_s3 or s3_bucket)",
           settings.get("resolve_s3") is True or settings.get("s3_bucket"))
    c.true("infra/deploy-config.example.toml grants CAPABILITY_IAM (the template makes roles)",
           "CAPABILITY_IAM" in str(settings.get("capabilities")))
    overrides = deploy_py.parameter_overrides(settings)
    declared = yaml_parse((ROOT / "template.yaml").read_text()).get("Parameters", {})
    c.equal("infra/deploy-config.example.toml overrides only template parameters",
            sorted(set(overrides) - set(declared)), [])
    c.true("infra/deploy-config.example.toml sets PublicBaseUrl (required)", overrides.get("PublicBaseUrl"))
    settings = {k: v for k, v in settings.items() if k not in ("resolve_s3", "profile")}
    settings.update(stack_name=stack, region=REGION, s3_bucket=BUCKET + "-sam")
    return settings


def deploy_command(c, endpoint, stack, outputs, resources_before):
    """./hydra deploy against the rehearsal stack: the change set of a dry run, then the outputs' report."""
    import tempfile
    build_dir = tempfile.mkdtemp(prefix="hydra-rehearsal-sam-")
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION, HYDRA_SKIP_BUILD="1",
               HYDRA_DEPLOY_BUILD_DIR=build_dir)
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(Bucket=BUCKET + "-sam")
    settings = example_config(c, stack)
    public_base_url = deploy_py.parameter_overrides(settings).get("PublicBaseUrl")
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write("version = 0.1\n[default.deploy.parameters]\n"
                + "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()))
        config = f.name
    try:
        def deploy(*args):
            return subprocess.run([str(ROOT / "hydra"), "deploy", "--config", config, *args], env=env,
                                  capture_output=True, text=True, timeout=600)
        dry = deploy("--dry-run")
        c.true(f"./hydra deploy --dry-run prints a change set (exit {dry.returncode})\n{dry.stdout[-3000:]}{dry.stderr[-3000:]}",
               dry.returncode == 0 and "Changeset created successfully" in dry.stdout + dry.stderr)
        cf = boto3.client("cloudformation", endpoint_url=endpoint, region_name=REGION)
        c.equal("./hydra deploy --dry-run executes nothing", cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"],
                "CREATE_COMPLETE")
        after = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                 for r in cf.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
        c.equal("./hydra deploy --dry-run leaves the resources as they were", after, resources_before)
        shown = deploy("--outputs")
        c.equal(f"./hydra deploy --outputs exit\n{shown.stderr[-2000:]}", shown.returncode, 0)
        report = shown.stdout
        c.true(f"./hydra deploy names the API URL\n{report}", f"API:          {outputs['ApiUrl']}" in report)
        c.true(f"./hydra deploy names the webhook base\n{report}",
               f"{public_base_url}/v1/webhooks/voice/{{instance_id}}" in report)
        first = next((line.strip() for line in report.splitlines() if "./hydra admin tenant create" in line), None)
        c.true(f"./hydra deploy prints the first ./hydra admin command\n{report}", first)
        if first:
            import shlex
            ran = subprocess.run([str(ROOT / "hydra"), *shlex.split(first)[1:]], env=env, capture_output=True,
                                 text=True, timeout=180)
            c.true(f"the printed command runs: {first}\n{ran.stdout}{ran.stderr[-2000:]}",
                   ran.returncode == 0 and "tenant_id" in ran.stdout)
    finally:
        os.unlink(config)
        shutil.rmtree(build_dir, ignore_errors=True)


def deleted(s, logical):
    t, p = s.type(logical), s.physical[logical]
    probes = {
        "AWS::DynamoDB::Table": lambda: s.aws("dynamodb").describe_table(TableName=p),
        "AWS::KMS::Key": lambda: s.aws("kms").describe_key(KeyId=p)["KeyMetadata"]["KeyState"] in ("Enabled",) or _gone(),
        "AWS::Lambda::Function": lambda: s.aws("lambda").get_function(FunctionName=p),
        "AWS::IAM::Role": lambda: s.aws("iam").get_role(RoleName=p),
        "AWS::Logs::LogGroup": lambda: [g for g in s.aws("logs").describe_log_groups(logGroupNamePrefix=p)["logGroups"]
                                        if g["logGroupName"] == p] or _gone(),
        "AWS::SQS::Queue": lambda: s.aws("sqs").get_queue_attributes(QueueUrl=p),
        "AWS::Events::Rule": lambda: s.aws("events").describe_rule(Name=p),
        "AWS::ApiGatewayV2::Api": lambda: s.aws("apigatewayv2").get_api(ApiId=p),
        "AWS::CloudWatch::Alarm": lambda: s.aws("cloudwatch").describe_alarms(AlarmNames=[p])["MetricAlarms"] or _gone(),
    }
    if t not in probes:
        return None
    try:
        probes[t]()
        return False
    except (ClientError, LookupError):
        return True


def _gone():
    raise LookupError("gone")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint")
    ap.add_argument("--stack", default="hydra-rehearsal")
    ap.add_argument("--keep", action="store_true", help="leave the stack (no update, no delete)")
    args = ap.parse_args()
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[k] = "test"
    os.environ.pop("AWS_PROFILE", None)
    emulator = None
    endpoint = args.endpoint
    if not endpoint:
        # SAM's translator for MiniStack's CloudFormation (./hydra deploy sends the untranslated template).
        site = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
        env = dict(os.environ, HYDRA_MINISTACK_SERVICES=SERVICES, HYDRA_MINISTACK_SAM_TRANSLATOR_PATH=str(site))
        emulator = subprocess.Popen([str(ROOT / ".venv-ministack/bin/python"), str(ROOT / "infra/ministack_launcher.py")],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = emulator.stdout.readline()
        if not line.startswith("MINISTACK_READY "):
            raise SystemExit(f"MiniStack did not start: {line!r}")
        endpoint = line.split()[1]
    try:
        return rehearse(endpoint, args)
    finally:
        if emulator:
            emulator.stdin.close()  # the launcher exits when its stdin closes
            emulator.wait(timeout=30)


def rehearse(endpoint, args):
    clients = {}

    def aws(service):
        if service not in clients:
            clients[service] = boto3.client(service, endpoint_url=endpoint, region_name=REGION)
        return clients[service]
    started = time.monotonic()
    source = yaml_parse((ROOT / "template.yaml").read_text())
    translated = translate(package(aws, source), dict(PARAMETERS))
    deployable, left_out = leave_out_unsupported(translated)
    aws("s3").put_object(Bucket=BUCKET, Key="template.json", Body=json.dumps(deployable).encode())
    url = f"{endpoint}/{BUCKET}/template.json"
    cf = aws("cloudformation")
    cf.create_stack(StackName=args.stack, TemplateURL=url, Parameters=cfn_parameters(PARAMETERS),
                    Capabilities=["CAPABILITY_IAM"])
    stack = wait(cf, args.stack, "CREATE_COMPLETE")
    print(f"rehearsal: {args.stack} CREATE_COMPLETE, {len(deployable['Resources'])} resources "
          f"({time.monotonic() - started:.1f} s)")
    c = Checks()

    def check(parameters):
        s = Stack(aws, args.stack, deployable, parameters)
        s.source, s.source_alias = source, source.get("Globals", {}).get("Function", {}).get("AutoPublishAlias")
        outputs = {o["OutputKey"]: o["OutputValue"]
                   for o in cf.describe_stacks(StackName=args.stack)["Stacks"][0].get("Outputs", [])}
        check_stack(c, s, outputs)
        return s, outputs
    s, outputs = check(PARAMETERS)
    check_left_out_alarms(c, translated, left_out)
    made = admin_from_outputs(c, endpoint, outputs)
    local_against_stack(c, endpoint, args.stack, outputs, made)
    deploy_command(c, endpoint, args.stack, outputs, dict(s.physical))
    if not args.keep:
        updated = dict(PARAMETERS, **UPDATED)
        cf.update_stack(StackName=args.stack, TemplateURL=url, Parameters=cfn_parameters(updated),
                        Capabilities=["CAPABILITY_IAM"])
        wait(cf, args.stack, "UPDATE_COMPLETE")
        print(f"rehearsal: {args.stack} UPDATE_COMPLETE ({', '.join(f'{k}={v}' for k, v in UPDATED.items())})")
        after, _ = check(updated)
        for logical in ("VoiceTable", "CredentialsKey"):
            c.equal(f"{logical} kept through the update", after.physical.get(logical), s.physical[logical])
        cf.delete_stack(StackName=args.stack)
        wait(cf, args.stack, "DELETE_COMPLETE")
        print(f"rehearsal: {args.stack} deleted")
        for logical, res in deployable["Resources"].items():
            if res["Type"] == "AWS::Lambda::Version":
                continue  # Retain (SAM's), but a version goes with its function
            gone = deleted(after, logical)
            if gone is None:
                continue
            retained = res.get("DeletionPolicy") == "Retain"
            c.equal(f"{logical} after delete: {'retained' if retained else 'deleted'}", gone, not retained)
    for difference, whats in sorted(c.differences.items()):
        print(f"emulator difference [{difference}]: {EMULATOR_DIFFERENCES[difference]}")
        for what in whats:
            print(f"    {what}")
    for failure in c.failures:
        print(f"FAILED {failure}")
    print(f"rehearsal: {c.passed} checks held, {len(c.failures)} failed, "
          f"{sum(len(w) for w in c.differences.values())} met an emulator difference "
          f"({time.monotonic() - started:.1f} s)")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
