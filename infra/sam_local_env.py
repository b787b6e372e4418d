"""Prints, as JSON, the environment `sam local invoke --env-vars FILE` would give each function.

Uses aws-sam-cli's own template reader and environment resolution (the pinned version in
requirements.txt), minus Docker, so a test can check events/env-vars.json really reaches every
function: SAM only sets variables that the template declares. Credentials are left out.
usage: python infra/sam_local_env.py events/env-vars.json [ParameterName=value ...]
"""
import json
import sys

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        env_vars = json.load(f)
    overrides = dict(arg.split("=", 1) for arg in sys.argv[2:])
    stacks, _ = SamLocalStackProvider.get_stacks("template.yaml", parameter_overrides=overrides)
    # Only the environment logic of the runner is used; it needs none of the Docker wiring.
    runner = LocalLambdaRunner.__new__(LocalLambdaRunner)
    runner.env_vars_values = env_vars
    runner.aws_profile = None
    runner.aws_region = "us-east-1"
    runner.debug_context = None
    runner._boto3_session_creds = {}  # pylint: disable=protected-access
    runner._boto3_region = "us-east-1"  # pylint: disable=protected-access
    result = {}
    for function in SamFunctionProvider(stacks).get_all():
        resolved = runner._make_env_vars(function).resolve()  # pylint: disable=protected-access
        result[function.name] = {k: v for k, v in resolved.items()
                                 if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
