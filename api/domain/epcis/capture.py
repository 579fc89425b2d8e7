"""An EPCISDocument a trading partner captures (docs/standards.md, "Capture"): what each of its
events is about and does, once the document has passed GS1's JSON Schema, CBV's words and GS1's
event hash. Whose lot each event names is for the use case, which reads the lots.

What is captured: ObjectEvents about one lot of ours each, named as a class in `quantityList`.
Instance-level EPCs (`epcList`), aggregations, transformations, transactions, associations and
error declarations are refused: none of them names a lot as we hold it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import unquote
from uuid import UUID

from api.domain.epcis.document import SCHEMA_VERSION, Event, Json
from api.domain.epcis.hashing import HashFailed, document_hashes, event_hash
from api.domain.epcis.identifiers import AUTHORITY, GS1_HOST
from api.domain.epcis.validation import schema_problems
from api.domain.epcis.vocabulary import OWNING_PARTY, cbv_problem, cbv_word
from api.domain.errors import FieldIssue, MalformedInput
from api.domain.gs1 import gln_problem

# The events one capture may hold: each is hashed twice, under a lock, in the request.
MAX_EVENTS = 100
# The problems a refusal lists at most: the first ones, in the order of the events.
MAX_PROBLEMS = 20

OUR_LOT = re.compile(rf"https://{re.escape(AUTHORITY)}/id/lot/([^/?#]+)")
GS1_LOT = re.compile(rf"https://{re.escape(GS1_HOST)}/01/([0-9]{{14}})/10/([^/?#]+)")
GS1_PARTY = re.compile(rf"https://{re.escape(GS1_HOST)}/417/([0-9]{{13}})")
OUR_PARTY = re.compile(
    rf"https://{re.escape(AUTHORITY)}/id/organisation/([0-9a-f]{{8}}(-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}})"
)
EVENT_PATH = re.compile(r"\$\.epcisBody\.eventList\[([0-9]+)\]")


class Step(StrEnum):
    """What a captured event does to its lot."""

    SHIPPING = "shipping"
    RECEIVING = "receiving"
    # Stored with the lot's events; changes nothing.
    OBSERVATION = "observation"


@dataclass(frozen=True)
class LotRef:
    """A lot class URI of ours: the batch's code, and the GTIN it was named under, if any."""

    code: str
    gtin: str | None = None


@dataclass(frozen=True)
class PartyRef:
    """An organisation as an event names it: by its party GLN or by our id of it."""

    gln: str | None = None
    organisation_id: UUID | None = None

    @property
    def reference(self) -> str:
        return self.gln if self.gln is not None else str(self.organisation_id)


@dataclass(frozen=True)
class Captured:
    index: int
    # As sent, its `eventID` GS1's hash of it and no `recordTime`.
    event: Event
    lot: LotRef
    step: Step
    # The buyer a shipping event sends the lot to.
    destination: PartyRef | None = None

    @property
    def event_id(self) -> str:
        return str(self.event["eventID"])


@dataclass(frozen=True)
class CaptureJob:
    """A capture as GS1's REST binding reports it (`GET /capture/{captureID}`). We capture
    within the request, all or nothing: a stored job has finished and succeeded, and a refused
    capture stores no job."""

    id: UUID
    organisation_id: UUID
    # The person or the machine client that sent it.
    captured_by: UUID
    by_client: bool
    created_at: datetime
    finished_at: datetime | None
    # The eventIDs stored, in the document's order.
    event_ids: tuple[str, ...]
    running: bool = False
    success: bool = True
    errors: list[dict[str, str]] = field(default_factory=list)


def event_field(index: int) -> str:
    return f"epcisBody.eventList[{index}]"


def problem(index: int, event: object, rule: str) -> FieldIssue:
    """A problem of one event, named by its place and its eventID (when it has one); what
    stands in the event's place may be anything (a list, a number) in a capture to refuse."""
    given = event.get("eventID") if isinstance(event, Mapping) else None
    named = f"eventID {given}" if isinstance(given, str) else "no eventID"
    return FieldIssue(event_field(index), f"({named}) {rule}")


def refused(issues: list[FieldIssue]) -> MalformedInput:
    first = issues[0]
    return MalformedInput(
        f"the capture is refused, nothing was stored: {first.field} {first.issue}",
        issues[:MAX_PROBLEMS],
    )


def lot_ref(uri: str) -> LotRef | None:
    """The lot a class URI names, if it is one of our forms of a lot's URI."""
    if found := OUR_LOT.fullmatch(uri):
        return LotRef(unquote(found[1]))
    if found := GS1_LOT.fullmatch(uri):
        return LotRef(unquote(found[2]), found[1])
    return None


def party_ref(uri: str) -> PartyRef | None:
    """The organisation a party URI names: GS1's (AI 417, a GLN) or ours."""
    if (found := GS1_PARTY.fullmatch(uri)) and gln_problem(found[1]) is None:
        return PartyRef(gln=found[1])
    if found := OUR_PARTY.fullmatch(uri):
        return PartyRef(organisation_id=UUID(found[1]))
    return None


def _document_events(document: object) -> list[Any]:
    """The eventList of something shaped like an EPCISDocument, within the bounds."""
    body = document.get("epcisBody") if isinstance(document, dict) else None
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise MalformedInput(
            "the body is not an EPCISDocument",
            [FieldIssue("epcisBody.eventList", "an EPCISDocument lists its events here")],
        )
    if not 1 <= len(events) <= MAX_EVENTS:
        raise MalformedInput(
            f"a capture holds 1 to {MAX_EVENTS} events",
            [FieldIssue("epcisBody.eventList", f"{len(events)} events; 1 to {MAX_EVENTS}")],
        )
    return events


def _schema_issues(
    document: Mapping[str, Json], events: list[Any], schema: Mapping[str, Any]
) -> list[FieldIssue]:
    issues = []
    for found in schema_problems(document, schema):
        where = EVENT_PATH.match(found)
        if where is None:
            issues.append(FieldIssue("document", f"GS1's EPCIS 2.0 JSON Schema: {found}"))
        else:
            index = int(where[1])
            issues.append(problem(index, events[index], f"GS1's EPCIS 2.0 JSON Schema: {found}"))
    return issues


def _rules(
    index: int, event: Event
) -> tuple[list[FieldIssue], LotRef | None, Step, PartyRef | None]:
    """The event checked against what we capture: one lot of ours, CBV's words, and what a
    shipping or receiving event must name."""

    def issue(rule: str) -> FieldIssue:
        return problem(index, event, rule)

    issues: list[FieldIssue] = []
    if event.get("type") != "ObjectEvent":
        issues.append(issue(f"a {event.get('type')} is not captured: only ObjectEvents about lots"))
    if "@context" in event:
        issues.append(issue("an event has no @context of its own: the document's holds"))
    if "errorDeclaration" in event:
        issues.append(issue("error declarations are not captured"))
    if event.get("epcList"):
        issues.append(
            issue("instance EPCs (epcList) are not captured: name the lot in quantityList")
        )
    for name, kind in (("bizStep", "BizStep"), ("disposition", "Disp")):
        value = event.get(name)
        if isinstance(value, str) and (why := cbv_problem(value, kind)):
            issues.append(issue(f"{name}: {why}"))
    quantities = event.get("quantityList")
    classes = (
        {q.get("epcClass") for q in quantities if isinstance(q, dict)}
        if isinstance(quantities, list)
        else set()
    )
    lot = None
    if len(classes) != 1:
        issues.append(issue("quantityList names one lot, by its class URI, in every entry"))
    elif (lot := lot_ref(str(next(iter(classes))))) is None:
        issues.append(issue("quantityList: the epcClass is not a lot's URI of ours"))
    step, destination = Step.OBSERVATION, None
    biz_step = cbv_word(str(event.get("bizStep", "")), "BizStep")
    if biz_step in (Step.SHIPPING, Step.RECEIVING):
        step = Step(biz_step)
        if event.get("action") != "OBSERVE":
            issues.append(issue(f"a {biz_step} event is an OBSERVE"))
    if step is Step.SHIPPING:
        parties = [
            d.get("destination")
            for d in event.get("destinationList") or []  # type: ignore[union-attr]
            if isinstance(d, dict) and cbv_word(str(d.get("type")), "SDT") == OWNING_PARTY
        ]
        if len(parties) != 1 or (destination := party_ref(str(parties[0]))) is None:
            issues.append(
                issue(
                    "a shipping event names the buyer once, as its destination owning_party:"
                    f" https://{GS1_HOST}/417/<GLN> or https://{AUTHORITY}/id/organisation/<id>"
                )
            )
    return issues, lot, step, destination


def _hashed(index: int, event: Event, context: Json) -> tuple[Event | None, FieldIssue | None]:
    """The event with its eventID, if that is GS1's hash of it in the sender's @context and in
    ours alike (we serve it in ours); recordTime is ours to set."""
    body = {k: v for k, v in event.items() if k != "recordTime"}
    alone: Event = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "epcisBody": {"eventList": [body]},
    }
    try:
        (theirs,) = document_hashes(alone)
        ours = event_hash(body)
    except HashFailed:
        return None, problem(index, event, "GS1's event hash cannot read this event")
    except ValueError as exc:
        return None, problem(index, event, f"GS1's event hash cannot be computed: {exc}")
    # A partner's event, read by a third party's tool: whatever it trips on is the event's.
    except Exception:
        return None, problem(index, event, "GS1's event hash cannot read this event")
    given = body.get("eventID")
    if given is not None and given != theirs:
        return None, problem(index, event, f"the eventID is not GS1's hash of the event: {theirs}")
    if theirs != ours:
        return None, problem(
            index, event,
            "the event hashes differently in our @context, where it is served: its extension"
            " fields use a prefix the document declares: name them by their full IRIs",
        )  # fmt: skip
    return {**body, "eventID": theirs}, None


def read_capture(document: object, schema: Mapping[str, Any]) -> list[Captured]:
    """Every event of the document, checked; a MalformedInput naming each event that breaks a
    rule (its place, its eventID) and the rule, when one does."""
    events = _document_events(document)
    assert isinstance(document, dict)
    if issues := _schema_issues(document, events, schema):
        raise refused(issues)
    read: list[Captured] = []
    for index, event in enumerate(events):
        rules, lot, step, destination = _rules(index, event)
        if rules or lot is None:
            issues += rules
            continue
        hashed, wrong = _hashed(index, event, document.get("@context"))
        if wrong is not None or hashed is None:
            issues += [wrong] if wrong else []
            continue
        read.append(Captured(index, hashed, lot, step, destination))
    seen: dict[str, int] = {}
    for captured in read:
        if captured.event_id in seen:
            issues.append(
                problem(
                    captured.index,
                    captured.event,
                    f"the same event as event {seen[captured.event_id]}",
                )
            )
        seen.setdefault(captured.event_id, captured.index)
    if issues:
        raise refused(sorted(issues, key=lambda i: int(re.sub(r"\D", "", i.field) or -1)))
    return read
