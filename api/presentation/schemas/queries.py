from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.domain.batches import BatchStatus
from api.presentation.schemas.fields import FilterDate, SearchText

Cursor = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern="^[A-Za-z0-9_-]+$")]


class PageQuery(BaseModel):
    """Paging: `limit` and the `cursor` from the previous page."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")] = (
        DEFAULT_LIMIT
    )
    cursor: Annotated[
        Cursor | None, Field(description="`next_cursor` of the previous page (opaque).")
    ] = None


class BatchQuery(PageQuery):
    """Filters of the batch list."""

    status: Annotated[BatchStatus | None, Field(description="Only batches in this status.")] = None
    product: Annotated[SearchText | None, Field(description="Only this product.")] = None
    created_from: Annotated[
        FilterDate | None, Field(description="Created on or after this UTC date.")
    ] = None
    created_to: Annotated[
        FilterDate | None,
        Field(description="Created on or before this UTC date; not before `created_from` (400)."),
    ] = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise ValueError("created_from is after created_to")
        return self
