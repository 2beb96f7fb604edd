"""Commands of this package, registered by the composition root (hallclient.cli).

Keep top-level imports light: import what a command needs inside its handler.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, make_test_ticket=None) -> None:
    """Add this package's subcommands to `sub`. `make_test_ticket() -> bytes` gives the ESC/POS
    bytes of the test ticket (laid out by printing/, injected by the composition root)."""
