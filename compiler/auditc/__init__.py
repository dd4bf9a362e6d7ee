"""auditc: compile declarative Kubernetes audit-log rules into Fluent Bit Lua filters."""

__version__ = "0.1.0"
