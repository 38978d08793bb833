"""The lock file must install on a fresh machine: registry pins only."""

import re
from pathlib import Path

CONSTRAINTS = Path(__file__).resolve().parents[2] / "requirements" / "constraints.txt"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$")


def test_every_constraint_is_a_registry_pin():
    lines = [
        line.strip()
        for line in CONSTRAINTS.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines, "constraints file is empty"
    not_pins = [line for line in lines if not PIN.match(line)]
    # A "name @ file:///..." line installs only on the machine that wrote it.
    assert not_pins == []
