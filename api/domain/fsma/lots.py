"""Traceability lot codes (21 CFR 1.1320): a code is assigned at initial packing, first
land-based receiving or transformation, and at nothing else. Dividing a lot to ship its parts
apart keeps its code; repacking it makes new lots with new codes (a transformation)."""

from dataclasses import dataclass

from api.domain.batches import SplitKind
from api.domain.fsma.descriptions import TlcSource

__all__ = ["LotIdentity", "SplitKind", "after_split"]


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
