"""Intermediate representation shared by every backend: nodes, lowering,
passes (ir/passes/) and the reference evaluator (ir/evaluate.py)."""

from auditc.ir.lower import expand_values, lower
from auditc.ir.nodes import (
                             KIND_ORDER,
                             Alert,
                             And,
                             Const,
                             Detection,
                             Drop,
                             IRRule,
                             Not,
                             Or,
                             Pred,
                             Program,
                             Redaction,
                             Test,
                             iter_tests,
)
from auditc.ir.passes.index import INDEX_FIELDS, constraint, residual
from auditc.ir.passes.simplify import simplify

__all__ = ["KIND_ORDER", "Alert", "And", "Const", "Detection", "Drop", "IRRule", "Not", "Or", "Pred", "Program",
           "Redaction", "Test", "iter_tests", "INDEX_FIELDS", "constraint", "residual", "simplify",
           "expand_values", "lower"]
