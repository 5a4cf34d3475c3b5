"""CLI: `python -m tests.emulators.qbo --port PORT [--scale X] [--seed N]` (from the repository root).

Prints one JSON line with the URLs, realm, OAuth client and a seed refresh token, then serves until
terminated (SIGTERM or Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys

from tests.emulators.serve import announce_and_wait

from .emulator import DEFAULT_REALM, QBOEmulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.emulators.qbo", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="transaction volume multiplier")
    parser.add_argument("--realm-id", default=DEFAULT_REALM)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--error-5xx-rate", type=float, default=0.0)
    parser.add_argument("--reset-rate", type=float, default=0.0)
    parser.add_argument(
        "--multicurrency",
        action="store_true",
        help="a multicurrency company: home USD, customers and vendors in EUR, GBP and CAD",
    )
    parser.add_argument(
        "--realm",
        action="append",
        default=[],
        metavar="REALM_ID:SEED:SCALE[:multicurrency]",
        help="serve one more company (repeatable), e.g. 9341453050298742:11:0.5",
    )
    parser.add_argument(
        "--no-throttle", action="store_true", help="disable the 500/min, 10 concurrent limits"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    emu = QBOEmulator(
        seed=args.seed,
        scale=args.scale,
        port=args.port,
        realm_id=args.realm_id,
        host=args.host,
        multicurrency=args.multicurrency,
    )
    for spec in args.realm:
        realm_id, seed, scale, *flags = spec.split(":")
        emu.add_realm(realm_id, int(seed), float(scale), multicurrency="multicurrency" in flags)
    emu.faults.latency_ms, emu.faults.error_5xx_rate = args.latency_ms, args.error_5xx_rate
    emu.faults.reset_rate, emu.faults.throttle = args.reset_rate, not args.no_throttle
    with emu:
        announce_and_wait(
            {
                "base_url": emu.base_url,
                "token_url": emu.token_url,
                "revoke_url": emu.revoke_url,
                "realm_id": emu.realm_id,
                "client_id": emu.client_id,
                "client_secret": emu.client_secret,
                "refresh_token": emu.issue_refresh_token(),
                "admin_url": emu.admin_url,
                "discovery_url": emu.discovery_url,
                "realms": {r: realm.issue_refresh_token() for r, realm in emu.realms.items()},
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
