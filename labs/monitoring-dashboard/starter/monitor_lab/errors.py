"""The one exception of the lab: input the monitor refuses (raise it with the field, column or file at fault)."""


class MonitorError(ValueError):
    """Bad input to the monitor: an empty window, a missing column, an unknown metric, a malformed day."""
