"""`carehub`: the care hub's commands.

The hub itself (device API, dashboard, notifications) is its own piece of
work; until it lands this command says so plainly instead of pretending.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carehub", description="Anbu care hub: alerts and summaries for caregivers")
    parser.add_subparsers(dest="command").add_parser("serve", help="run the hub (not built yet)")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    print("carehub: the care hub is not built yet; the speaker logs its alerts on stderr until it is", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
