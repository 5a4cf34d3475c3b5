"""`python -m tests.emulators.databricks --port PORT [--tls]`: serve until terminated (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import argparse
import sys

from tests.emulators.serve import announce_and_wait

from .emulator import DatabricksEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulators.databricks", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: pick a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away self-signed cert")
    args = parser.parse_args(argv)
    with DatabricksEmulator(tls=args.tls, port=args.port, host=args.host) as dbx:
        announce_and_wait(
            {
                "host": dbx.host,
                "port": dbx.port,
                "url": dbx.url,
                "http_path": dbx.http_path,
                "token": dbx.token,
                "client_id": dbx.client_id,
                "client_secret": dbx.client_secret,
                "counters_url": dbx.counters_url,
                "ca_file": dbx.ca_file,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
