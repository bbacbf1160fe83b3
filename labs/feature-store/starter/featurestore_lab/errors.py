"""The one exception of the lab: bad input to the store (raise it with the column or view at fault)."""


class FeatureStoreError(ValueError):
    """Input the feature store refuses: a missing column, a naive timestamp, an unknown view."""
