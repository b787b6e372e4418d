"""Runs a moto server on 127.0.0.1 for as long as its parent keeps our stdin open.

Prints one line, "MOTO_READY <url>", once it accepts requests. When the parent closes the pipe
(normally, or by dying), the server stops, so an emulator can never outlive the tests or the
local runtime that started it.
"""
import sys
import threading

from moto.moto_server import werkzeug_app
from moto.server import ThreadedMotoServer

# moto's backends are not thread-safe: a DynamoDB transaction deep-copies the table, applies its
# writes one by one and, when a condition fails, puts the copy back, undoing any write another
# request thread made in between. Real DynamoDB transactions are serializable, so the emulator
# serves one request at a time (the response body is read inside the lock too).
_serve_one_at_a_time = threading.Lock()
_dispatch = werkzeug_app.DomainDispatcherApplication.__call__


def _serialized(self, environ, start_response):
    with _serve_one_at_a_time:
        result = _dispatch(self, environ, start_response)
        try:
            return list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


werkzeug_app.DomainDispatcherApplication.__call__ = _serialized


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
