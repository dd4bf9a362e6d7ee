"""Detection severities, lowest first; shared by the model, the IR and every backend."""

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES, start=1)}
