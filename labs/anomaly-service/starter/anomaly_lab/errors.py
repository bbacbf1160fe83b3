"""The one exception of the lab: input the service refuses (raise it with the column or field at fault)."""


class AnomalyLabError(ValueError):
    """Bad input: a missing column, a naive timestamp, a payload that is not JSON."""
