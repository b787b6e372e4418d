"""Runs a MiniStack server on 127.0.0.1 for as long as its parent keeps our stdin open.

Run by .venv-ministack's Python (MiniStack pins a botocore and a graphql-core that moto, boto3 and
schemathesis in .venv cannot share). Prints one line, "MINISTACK_READY <url>", once the server
answers its health check. When the parent closes the pipe (normally, or by dying), the process
exits, so an emulator can never outlive the tests or the local runtime that started it.

MiniStack reads its settings from the environment when its module is imported: BIND_HOST (we bind
loopback only; its default is every interface), GATEWAY_PORT, SERVICES (only what the template
uses), and TMPDIR for its pid file, which here is a directory of our own, removed on exit.

One change to MiniStack itself: its DynamoDB TTL reaper does not run. Every 60 s it deletes the
expired items of every table from a thread of its own, outside the request loop that serves
transactions one at a time, so a deletion can land in the middle of a TransactWriteItems. DynamoDB
deletes expired items lazily (typically days later) and atomically, our reads filter expired items
themselves (design: "TTL deletes lazily"), and tests run on fixed clocks, some in the past: with the
reaper, whether a test's item still exists would depend on when the 60 s tick falls. moto never
deletes either, so both legs see the same lazy TTL; DescribeTimeToLive/UpdateTimeToLive still work.
"""
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.request

HOST = "127.0.0.1"
# What the functions call; the deploy rehearsal (infra/deploy_rehearsal.py) widens it to every service
# the stack's resources live in with HYDRA_MINISTACK_SERVICES.
SERVICES = os.environ.get("HYDRA_MINISTACK_SERVICES") or "dynamodb,kms,secretsmanager,sts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def await_ready(url: str, scratch: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_ministack/health", timeout=2) as r:
                json.load(r)
                print(f"MINISTACK_READY {url}", flush=True)
                return
        except OSError:
            time.sleep(0.05)
    stop(scratch, 1)


def stop(scratch: str, status: int) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
    sys.stdout.flush()
    os._exit(status)


def watch_parent(scratch: str) -> None:
    try:
        sys.stdin.buffer.read()
    finally:
        stop(scratch, 0)


TTL_REAPER = "dynamodb-ttl-reaper"
_thread_start = threading.Thread.start


def _start_unless_ttl_reaper(self: threading.Thread) -> None:
    if self.name != TTL_REAPER:
        _thread_start(self)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "0" else free_port()
    scratch = tempfile.mkdtemp(prefix="hydra-ministack-")
    os.environ.update({
        "BIND_HOST": HOST,
        "GATEWAY_PORT": str(port),
        "MINISTACK_HOST": HOST,
        "SERVICES": SERVICES,
        "TMPDIR": scratch,
        "PERSIST_STATE": "0",
        # Its IoT mTLS listener binds every interface (port 8883) whenever `cryptography` imports.
        "IOT_MTLS_ENABLED": "0",
        "LOG_LEVEL": os.environ.get("HYDRA_MINISTACK_LOG_LEVEL", "WARNING"),
    })
    tempfile.tempdir = scratch
    threading.Thread(target=watch_parent, args=(scratch,), daemon=True, name="parent").start()
    threading.Thread(target=await_ready, args=(f"http://{HOST}:{port}", scratch), daemon=True, name="ready").start()
    threading.Thread.start = _start_unless_ttl_reaper
    import ministack.services.dynamodb  # noqa: F401  (starts, or here does not start, the reaper)

    threading.Thread.start = _thread_start
    if any(t.name == TTL_REAPER for t in threading.enumerate()):
        print("ministack_launcher: MiniStack's TTL reaper is running", file=sys.stderr, flush=True)
        stop(scratch, 1)
    # The deploy test (./hydra deploy against MiniStack) sends the template untranslated, as sam
    # deploy does: MiniStack's CloudFormation then runs SAM's translator, which lives in .venv, not
    # here. Appended, so that MiniStack's own pinned botocore still comes first.
    for site in filter(None, os.environ.get("HYDRA_MINISTACK_SAM_TRANSLATOR_PATH", "").split(os.pathsep)):
        sys.path.append(site)
    from ministack.app import main as ministack_main

    sys.argv = ["ministack"]
    try:
        ministack_main()
    finally:
        # The server stopped on its own (the port was taken, say): no READY line was printed, or
        # it was and the parent sees our stdout close.
        stop(scratch, 1)


if __name__ == "__main__":
    main()
