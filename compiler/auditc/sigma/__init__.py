"""Sigma interop: import Sigma rules for Kubernetes audit logs as auditc detect rules.

See importer.py (the command), conditions.py (condition trees), values.py
(Sigma value semantics -> auditc operators), fields.py (the field map and the
fixes for SigmaHQ's Kubernetes rules) and samples.py (generated test events).
"""

from auditc.sigma.importer import CONVERTED, ERROR, FIXED, SKIPPED, ImportResult, Outcome, import_sigma

__all__ = ["CONVERTED", "ERROR", "FIXED", "SKIPPED", "ImportResult", "Outcome", "import_sigma"]
