"""ibml reference implementation: the tested code behind the eight-week notebooks.

Layers (a lower layer never imports a higher one)::

    data -> features -> anomaly, kyc, evaluation -> lifecycle -> serving -> monitoring
    governance is a small library that lifecycle, serving and monitoring call.

Import the sub-packages you need, e.g. ``from reference_impl import data``.
"""

from reference_impl.errors import IbmlError
from reference_impl.workspace import Workspace

__version__ = "0.1.0"

__all__ = ["IbmlError", "Workspace", "__version__"]
