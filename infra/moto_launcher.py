"""Runs a moto server on 127.0.0.1 for as long as its parent keeps our stdin open.

Prints one line, "MOTO_READY <url>", once it accepts requests. When the parent closes the pipe
(normally, or by dying), the server stops, so an emulator can never outlive the tests or the
local runtime that started it.
"""
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    print(f"MOTO_READY http://{host}:{bound}", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
