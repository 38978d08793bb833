"""Ostoja: open platform for protecting children from sexual abuse."""
