"""Intermediate representation shared by every backend: nodes, lowering, passes."""

from auditc.ir.nodes import KIND_ORDER, And, Const, IRRule, Not, Or, Program, Test, iter_tests
from auditc.ir.passes import constraint, residual, simplify
from auditc.ir.lower import INDEX_FIELDS, check_scrub_patterns, check_translatable, expand_values, lower

__all__ = ["KIND_ORDER", "And", "Const", "IRRule", "Not", "Or", "Program", "Test", "constraint", "iter_tests",
           "residual", "simplify", "INDEX_FIELDS", "check_scrub_patterns", "check_translatable", "expand_values",
           "lower"]
