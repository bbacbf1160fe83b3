"""The KYC contract: a document's text in, a route (auto-accept, manual review, reject) out; the review queue."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from reference_impl.serving.schemas import Identifier, InferenceMetadata, StrictModel

#: Longest document text the schema accepts (``IBML_MAX_KYC_TEXT_CHARS`` may lower it).
MAX_KYC_TEXT_CHARS = 20_000


class KycClassifyRequest(StrictModel):
    """One document's extracted text. ``client_id`` is pseudonymised before anything is logged."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "D000981",
                    "client_id": "C00017",
                    "text": "Passport of the United Kingdom. Surname: EXAMPLE. Given names: ANNA. Date of birth: 01 JAN 1980",
                }
            ]
        },
    )

    doc_id: Identifier
    client_id: Identifier | None = None
    text: Annotated[str, Strict()] = Field(max_length=MAX_KYC_TEXT_CHARS, description="extracted document text")


class KycClassifyResponse(BaseModel):
    doc_id: str
    label: str | None
    confidence: float
    route: Literal["auto_accept", "manual_review", "reject_unknown"]
    reason: str
    reason_text: str
    threshold: float | None = None
    review_item_id: int | None = Field(None, description="queue item when routed to manual review")
    metadata: InferenceMetadata


class ReviewItemOut(BaseModel):
    """A KYC review-queue item (text is never returned: only a digest reference)."""

    model_config = ConfigDict(extra="allow")

    item_id: int
    doc_id: str
    status: str
    predicted: str | None = None
    confidence: float | None = None
    reason: str | None = None


class ReviewListResponse(BaseModel):
    items: list[ReviewItemOut]


class ReviewDecisionRequest(StrictModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"label": "passport", "comment": "MRZ checked"}]}
    )

    label: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_]+$")]
    comment: Annotated[str, Strict()] = Field("", max_length=2_000)


__all__ = [
    "KycClassifyRequest",
    "KycClassifyResponse",
    "MAX_KYC_TEXT_CHARS",
    "ReviewDecisionRequest",
    "ReviewItemOut",
    "ReviewListResponse",
]
