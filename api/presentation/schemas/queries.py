from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.domain.batches import BatchStatus


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    cursor: Annotated[str, Field(min_length=1, max_length=512)] | None = None


class BatchQuery(PageQuery):
    status: BatchStatus | None = None
    product: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    created_from: date | None = None
    created_to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise ValueError("created_from is after created_to")
        return self
