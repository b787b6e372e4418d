"""./hydra deploy: build, package and deploy template.yaml with SAM, then say what was made and what next.

    ./hydra deploy [--config FILE] [--dry-run]

--config names a SAM configuration file (samconfig.toml format: stack_name, region, s3_bucket or
resolve_s3, capabilities, parameter_overrides); infra/deploy-config.example.toml is the checked-in
example. Without it, ./samconfig.toml is used, and when that does not exist either, `sam deploy
--guided` asks for every value once and writes it. The account, profile and region come from the
usual AWS settings (AWS_PROFILE, AWS_REGION, ~/.aws), or the file's `region` / `profile`.

--dry-run creates the change set and prints it, and executes nothing.
--outputs builds and deploys nothing: it prints what the deployed stack's outputs say (below).

After a deploy it prints the stack's outputs as the operator needs them: the API URL, the webhook base
providers are given, the dashboard, and the ./hydra admin commands that make the first tenant, key
and instance, with the stack's table and pepper secret filled in.
"""
import argparse
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / ".venv" / "bin" / "sam"
DEFAULT_CONFIG = ROOT / "samconfig.toml"
WEBHOOK_PATH = "/v1/webhooks/voice/{instance_id}"


def deploy_settings(config: Path) -> dict:
    """The [default.deploy.parameters] table of a SAM config file (SAM's own layout)."""
    data = tomllib.loads(config.read_text())
    return data.get("default", {}).get("deploy", {}).get("parameters", {})


def parameter_overrides(settings: dict) -> dict:
    raw = settings.get("parameter_overrides", "")
    tokens = raw if isinstance(raw, list) else shlex.split(raw)
    return dict(t.split("=", 1) for t in tokens if "=" in t)


def sam(*args: str) -> None:
    env = dict(os.environ, SAM_CLI_TELEMETRY="0")
    r = subprocess.run([str(SAM), *args], cwd=ROOT, env=env)
    if r.returncode != 0:
        sys.exit(r.returncode)


def stack_outputs(stack: str, region: str | None, profile: str | None) -> dict:
    import boto3
    session = boto3.Session(profile_name=profile, region_name=region)
    cf = session.client("cloudformation")
    st = cf.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}, session.region_name


def next_steps(outputs: dict, region: str, public_base_url: str | None) -> str:
    names = (f"--table {shlex.quote(outputs['TableName'])} --pepper-secret "
             f"{shlex.quote(outputs['PepperSecretArn'])} --region {region}")
    webhook = (public_base_url.rstrip("/") + WEBHOOK_PATH) if public_base_url else f"<PublicBaseUrl>{WEBHOOK_PATH}"
    lines = [
        f"API:          {outputs.get('ApiUrl')}",
        f"webhook base: {webhook}   (what providers are given; PublicBaseUrl must route to the API)",
    ]
    if outputs.get("DashboardName"):
        lines.append(f"dashboard:    https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                     f"#dashboards/dashboard/{outputs['DashboardName']}")
    lines += [
        "next:",
        f"  ./hydra admin tenant create \"Acme\" --json {names}",
        f"  ./hydra admin key create --tenant <tenant_id> --json {names}",
        f"  ./hydra admin instance register <instance_id> --tenant <tenant_id> --json {names}",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(prog="./hydra deploy", description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=Path, help="SAM config file (default ./samconfig.toml; guided when absent)")
    ap.add_argument("--dry-run", action="store_true", help="create and print the change set, execute nothing")
    ap.add_argument("--outputs", action="store_true", help="only print the deployed stack's outputs and next commands")
    args = ap.parse_args()
    config = args.config.resolve() if args.config else DEFAULT_CONFIG
    guided = args.config is None and not config.exists()
    if args.config and not config.exists():
        print(f"hydra deploy: no config file {config}", file=sys.stderr)
        return 2

    if args.outputs:
        if guided:
            print("hydra deploy: --outputs needs a config file (--config or ./samconfig.toml)", file=sys.stderr)
            return 2
        return print_outputs(config)
    # sam's default build directory; the deploy rehearsal gives each run one of its own
    # (HYDRA_DEPLOY_BUILD_DIR) so that two test runs never build into the same one.
    build_dir = Path(os.environ.get("HYDRA_DEPLOY_BUILD_DIR") or ROOT / ".aws-sam" / "build")
    print("hydra deploy: sam build", file=sys.stderr)
    sam("build", "-t", "template.yaml", "--build-dir", str(build_dir))
    deploy = ["deploy", "--template-file", str(build_dir / "template.yaml")]
    if guided:
        print("hydra deploy: no samconfig.toml: sam deploy --guided asks once and writes it", file=sys.stderr)
        deploy += ["--guided", "--config-file", str(config)]
    else:
        deploy += ["--config-file", str(config)]
    if args.dry_run:
        deploy += ["--no-execute-changeset"]
    deploy += ["--no-fail-on-empty-changeset"]
    sam(*deploy)
    if args.dry_run:
        print("hydra deploy: dry run: the change set above was created and not executed", file=sys.stderr)
        return 0

    return print_outputs(config)


def print_outputs(config: Path) -> int:
    settings = deploy_settings(config)
    outputs, region = stack_outputs(settings["stack_name"], settings.get("region"), settings.get("profile"))
    print(next_steps(outputs, region, parameter_overrides(settings).get("PublicBaseUrl")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
