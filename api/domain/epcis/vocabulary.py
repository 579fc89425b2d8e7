"""What each of our batch events is in EPCIS 2.0: event type, action, CBV business step and
disposition (docs/standards.md, "Our events as EPCIS events").

Chosen once and never changed: a consumer filters on these words (`EQ_bizStep=shipping`), and
they are hashed into every eventID.

`cancelled` cancels a *registered* lot (custody allows it only before shipping), not a
shipment, so CBV's `void_shipping` would announce a shipment that never existed, an
`errorDeclaration` would retract the registration as if it never happened (it did, and stays
in the chain), and `destroying`/`destroyed` would claim what we do not know. CBV's
`decommissioning` (used with action DELETE) with disposition `inactive` says what we know: the
lot ceases to be active, its history kept.

A sub-lot has no registration event of its own in EPCIS: the split's TransformationEvent, whose
outputs it is, creates it. `transaction_recorded` (a blockchain anchor) is not an EPCIS event.
"""

from dataclasses import dataclass
from enum import StrEnum

from api.domain.batches import Unit
from api.domain.custody import EventType


class EpcisType(StrEnum):
    OBJECT = "ObjectEvent"
    TRANSFORMATION = "TransformationEvent"


class Action(StrEnum):
    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


@dataclass(frozen=True)
class Mapping:
    type: EpcisType
    # None for a TransformationEvent, which has no action.
    action: Action | None
    biz_step: str
    disposition: str

    @property
    def carries_ilmd(self) -> bool:
        """Instance/lot master data belongs to what an event creates: an ADD or a
        transformation's outputs (the schema refuses it anywhere else)."""
        return self.action in (Action.ADD, None)


MAPPINGS: dict[EventType, Mapping] = {
    EventType.CREATED: Mapping(EpcisType.OBJECT, Action.ADD, "creating_class_instance", "active"),
    EventType.SHIPPED: Mapping(EpcisType.OBJECT, Action.OBSERVE, "shipping", "in_transit"),
    EventType.CANCELLED: Mapping(EpcisType.OBJECT, Action.DELETE, "decommissioning", "inactive"),
    EventType.DELIVERED: Mapping(EpcisType.OBJECT, Action.OBSERVE, "receiving", "in_progress"),
    EventType.REJECTED: Mapping(EpcisType.OBJECT, Action.OBSERVE, "inspecting", "non_conformant"),
    EventType.SPLIT: Mapping(EpcisType.TRANSFORMATION, None, "creating_class_instance", "active"),
}


def mapping_for(event: EventType) -> Mapping | None:
    """What `event` is in EPCIS, or None for an event that stays ours."""
    return MAPPINGS.get(event)


# UN/ECE Recommendation 20 codes, as the schema's `uom` wants them.
UOM: dict[Unit, str] = {Unit.KG: "KGM", Unit.T: "TNE", Unit.LB: "LBR"}

# CBV business transaction types (bare words; a URI of one's own is also allowed).
BIZ_TRANSACTION_TYPES = frozenset(
    {
        "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma",
        "testprd", "testres",
    }
)  # fmt: skip

# A shipment's reference document (its type as the shipper wrote it, FSMA 204's and EDI's
# names) as a CBV business transaction type; any other type is named by a URI of ours.
DOCUMENT_TYPES = {
    "bill_of_lading": "bol", "bol": "bol", "purchase_order": "po", "po": "po",
    "invoice": "inv", "inv": "inv", "despatch_advice": "desadv", "dispatch_advice": "desadv",
    "advance_ship_notice": "desadv", "asn": "desadv", "desadv": "desadv",
    "receiving_advice": "recadv", "recadv": "recadv", "certificate": "cert", "cert": "cert",
    "production_order": "prodorder", "prodorder": "prodorder",
}  # fmt: skip

# Source and destination types (CBV 2.0, SDT).
OWNING_PARTY = "owning_party"
LOCATION = "location"

# CBV 2.0's business steps and dispositions, as GS1's JSON Schema lists them (bare words). A
# captured event may use one of these, or a URI of its own outside GS1's namespaces; CBV's own
# URI form (`https://ref.gs1.org/cbv/BizStep-<word>`) names one of these words.
BIZ_STEPS = frozenset(
    {
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
        "creating_class_instance", "cycle_counting", "decommissioning", "departing",
        "destroying", "disassembling", "dispensing", "encoding", "entering_exiting", "holding",
        "inspecting", "installing", "killing", "loading", "other", "packing", "picking",
        "receiving", "removing", "repackaging", "repairing", "replacing", "reserving",
        "retail_selling", "sampling", "sensor_reporting", "shipping", "staging_outbound",
        "stock_taking", "stocking", "storing", "transporting", "unloading", "unpacking",
        "void_shipping",
    }
)  # fmt: skip
DISPOSITIONS = frozenset(
    {
        "active", "available", "completeness_inferred", "completeness_verified", "conformant",
        "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed",
        "encoded", "expired", "in_progress", "in_transit", "inactive", "mismatch_class",
        "mismatch_instance", "mismatch_quantity", "needs_replacement", "no_pedigree_match",
        "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
        "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen",
        "unavailable", "unknown",
    }
)  # fmt: skip
CBV_URI = "https://ref.gs1.org/cbv/"
# Namespaces of GS1's own whose words only CBV defines.
GS1_NAMESPACES = ("urn:epcglobal:cbv", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv/")


def cbv_word(value: str, kind: str) -> str:
    """The bare CBV word `value` names, in its bare or URI form (`kind`: BizStep or Disp), or
    `value` itself for a URI of one's own."""
    prefix = f"{CBV_URI}{kind}-"
    return value.removeprefix(prefix)


def cbv_problem(value: str, kind: str) -> str | None:
    """Why `value` is not a CBV 2.0 word (or a URI outside GS1's namespaces) of this kind."""
    words, name = (
        (BIZ_STEPS, "business step") if kind == "BizStep" else (DISPOSITIONS, "disposition")
    )
    word = cbv_word(value, kind)
    if word in words:
        return None
    if ":" not in word:
        return f"{word!r} is not a CBV 2.0 {name}"
    if value.startswith(CBV_URI) or value.startswith(GS1_NAMESPACES):
        return f"{value!r} is in GS1's namespace but is not a CBV 2.0 {name}"
    return None
