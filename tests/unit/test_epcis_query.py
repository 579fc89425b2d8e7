"""What a SimpleEventQuery finds an event by, read from the event as frozen; whether an event
matches; the page token that names its query (docs/standards.md, "Querying events")."""

from datetime import UTC, datetime, timedelta

import pytest

from api.application.pagination import EventCursor
from api.domain.custody import EventType
from api.domain.epcis.document import epcis_query_document
from api.domain.epcis.events import to_epcis
from api.domain.epcis.query import EventQuery, bare_cbv, keys_of, matches
from api.domain.epcis.validation import schema_problems
from api.domain.errors import MalformedInput
from api.infrastructure.epcis_schema import load_schema
from tests.support.epcis import INPUTS, LOT, SUB_LOTS

T = datetime(2026, 10, 3, 8, 15, tzinfo=UTC)


def test_the_keys_are_the_type_utc_time_cbv_words_and_every_class_of_every_quantity_list():
    split = to_epcis(INPUTS[EventType.SPLIT])
    shipped = to_epcis(INPUTS[EventType.SHIPPED])

    keys = keys_of(split)

    assert keys.event_type == "TransformationEvent"
    assert keys.event_time == datetime.fromisoformat(str(split["eventTime"])).astimezone(UTC)
    assert keys.event_time.utcoffset() == timedelta(0)
    assert (keys.biz_step, keys.disposition) == ("creating_class_instance", "active")
    assert keys.epc_classes == tuple(sorted({LOT, *SUB_LOTS}))
    assert keys_of(shipped).epc_classes == (LOT,)
    assert keys_of(shipped | {"bizStep": "urn:epcglobal:cbv:bizstep:shipping"}).biz_step == (
        "shipping"
    )


def test_cbv_uris_read_as_their_bare_words_and_other_uris_as_themselves():
    assert bare_cbv("https://ref.gs1.org/cbv/BizStep-receiving") == "receiving"
    assert bare_cbv("https://ref.gs1.org/cbv/Disp-in_transit") == "in_transit"
    assert bare_cbv("urn:epcglobal:cbv:disp:active") == "active"
    assert bare_cbv("https://example.com/steps/ripening") == "https://example.com/steps/ripening"


def test_an_event_without_a_type_or_a_time_with_its_offset_has_no_keys():
    with pytest.raises(ValueError, match="type and an eventTime"):
        keys_of({"eventTime": "2026-10-03T08:15:00.000+00:00"})
    with pytest.raises(ValueError, match="offset"):
        keys_of({"type": "ObjectEvent", "eventTime": "2026-10-03T08:15:00.000"})


def test_every_given_filter_must_hold_and_any_of_its_values_may():
    event = to_epcis(INPUTS[EventType.SHIPPED])
    keys, event_id = keys_of(event), str(event["eventID"])
    at = keys.event_time

    def finds(**given: object) -> bool:
        return matches(EventQuery(**given), keys, event_id)  # type: ignore[arg-type]

    assert finds()
    assert finds(event_types=("TransformationEvent", "ObjectEvent"), biz_steps=("shipping",))
    assert not finds(event_types=("ObjectEvent",), biz_steps=("receiving",))
    assert finds(ge_event_time=at, lt_event_time=at + timedelta(milliseconds=1))
    assert not finds(lt_event_time=at)
    assert finds(dispositions=("in_transit",), event_ids=("x", event_id))
    assert finds(epc_classes=(LOT,))
    assert finds(epc_classes=("https://example.com/other",), epc_class_prefixes=(LOT[:30],))
    assert not finds(epc_class_prefixes=(LOT + "/",))


def test_a_query_document_of_frozen_events_with_record_times_is_valid_under_gs1s_schema():
    events = [to_epcis(given) for given in INPUTS.values()]
    recorded = [e | {"recordTime": "2026-10-05T10:00:00.042+00:00"} for e in events]

    document = epcis_query_document(recorded, T)

    assert schema_problems(document, load_schema()) == []
    assert document["epcisBody"]["queryResults"]["queryName"] == "SimpleEventQuery"  # type: ignore[index,call-overload]


def test_a_page_token_reads_back_only_with_the_query_it_was_made_for():
    query, other = EventQuery(biz_steps=("shipping",)), EventQuery(biz_steps=("receiving",))
    token = EventCursor(T, 42, query.fingerprint()).encode()

    assert EventCursor.decode(token, query.fingerprint()) == EventCursor(T, 42, query.fingerprint())
    assert EventQuery(biz_steps=("shipping",)).fingerprint() == query.fingerprint()
    with pytest.raises(MalformedInput, match="another query"):
        EventCursor.decode(token, other.fingerprint())
    for forged in ("", "not-base64!", "WzEsMiwzXQ", token[:-4]):  # WzEsMiwzXQ: [1,2,3]
        with pytest.raises(MalformedInput, match="not valid"):
            EventCursor.decode(forged, query.fingerprint())
