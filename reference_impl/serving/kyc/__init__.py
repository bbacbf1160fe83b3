"""Project B's room in the service: KYC document classification and the manual-review queue.

Mount it alone with ``create_app(settings, rooms=[KycRoom()])`` (or ``IBML_ROOMS=kyc``): the trade
anomaly code is then never imported. Read ``schemas.py``, ``routes.py``, ``pipeline.py``, ``state.py``,
``models.py`` in that order.
"""

from reference_impl.serving.kyc.models import KYC_MODEL_NAME, KycDecider, ReviewQueueStore, load_kyc_model
from reference_impl.serving.kyc.room import KycRoom
from reference_impl.serving.kyc.state import KycProviders, KycState

__all__ = ["KYC_MODEL_NAME", "KycDecider", "KycProviders", "KycRoom", "KycState", "ReviewQueueStore", "load_kyc_model"]
