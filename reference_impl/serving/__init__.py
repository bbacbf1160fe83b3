"""The FastAPI scoring service: ``create_app(settings)``, auth roles, contracts, fallbacks, audit.

Run it with ``ibml serve``; create keys with ``ibml apikey create --role scorer``.
"""

from reference_impl.serving.app import create_app
from reference_impl.serving.auth import ApiKeyStore, Principal, create_api_key, require_role
from reference_impl.serving.deps import AdminDep, AuditorDep, ReviewerDep, ScorerDep, StateDep
from reference_impl.serving.models import LoadedModel
from reference_impl.serving.online import FeatureResult, FeatureSource, OnlineFeatureSource
from reference_impl.serving.settings import ServiceSettings
from reference_impl.serving.state import Providers, ServiceState

__all__ = [
    "AdminDep", "ApiKeyStore", "AuditorDep", "FeatureResult", "FeatureSource", "LoadedModel", "OnlineFeatureSource",
    "Principal", "Providers", "ReviewerDep", "ScorerDep", "ServiceSettings", "ServiceState", "StateDep",
    "create_api_key", "create_app", "require_role",
]
