"""The entry point of the deploy tier's `dies` release image: the API's own server, which
passes readiness and the switch, serves, then dies with an error a few seconds after its first
write (writes reach a new release only through the edge, after the switch; before it only
the release tool's readiness checks do).

It dies as a server that hits a fatal error does: its error line first, then the server stops
(no new connections, the requests in progress finish), then it exits non-zero.
"""

import os
import signal
import subprocess
import sys
import threading

SECONDS_AFTER_FIRST_WRITE = 3.0
ERROR = "fatal: this release dies on purpose after serving (deploy tier)"


def main() -> int:
    if sys.argv[1:] != ["serve"]:  # migrate and the other commands are the API's own
        os.execv(sys.executable, [sys.executable, "-m", "api", *sys.argv[1:]])  # noqa: S606
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "serve"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: server.send_signal(number))
    died = threading.Event()

    def die() -> None:
        print(ERROR, file=sys.stderr, flush=True)
        died.set()
        server.send_signal(signal.SIGTERM)

    timer: threading.Timer | None = None
    assert server.stdout is not None
    for line in server.stdout:
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        if timer is None and b'"method":"POST"' in line:
            timer = threading.Timer(SECONDS_AFTER_FIRST_WRITE, die)
            timer.start()
    code = server.wait()
    return 1 if died.is_set() else code


if __name__ == "__main__":
    sys.exit(main())
