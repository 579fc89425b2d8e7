"""Traceability lot codes (21 CFR 1.1320): a code is assigned at initial packing, first
land-based receiving or transformation, and at nothing else. Dividing a lot to ship its parts
apart keeps its code; repacking it makes new lots with new codes (a transformation)."""

from dataclasses import dataclass
from enum import StrEnum

from api.domain.fsma.descriptions import TlcSource


class SplitKind(StrEnum):
    """Why a lot was split, as the split records it."""

    # The parts are the same food, parted to ship or sell apart: they keep the lot's code.
    DIVIDE = "divide"
    # The food was repacked (new packaging, a new product): each part is a new lot.
    REPACK = "repack"


@dataclass(frozen=True)
class LotIdentity:
    """A lot's traceability lot code and where that code was assigned."""

    code: str
    source: TlcSource | None


def after_split(
    kind: SplitKind, parent: LotIdentity, part_code: str, site: TlcSource | None
) -> LotIdentity:
    """The identity of a part of `parent` given our code `part_code` by a split at `site`: the
    parent's own code and source when divided, its new code assigned at `site` when repacked."""
    if kind is SplitKind.DIVIDE:
        return parent
    return LotIdentity(part_code, site)
