"""The `auditc` command line: one module per command group, shared options and exit codes in common."""

from auditc.cli.main import main

__all__ = ["main"]
