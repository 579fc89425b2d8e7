"""Every event we map is valid under GS1's EPCIS 2.0 JSON Schema, formats checked; the document
carries the context its events were hashed in."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.domain.custody import EventType
from api.domain.epcis.document import EPCIS_CONTEXT_URL, NAMESPACE, context, epcis_document
from api.domain.epcis.events import to_epcis
from api.domain.epcis.hashing import event_hash
from api.domain.epcis.validation import schema_problems
from api.infrastructure.epcis_schema import (
    SchemaMissing,
    load_schema,
)
from api.presentation.schemas.epcis import DOCUMENT_EXAMPLE
from tests.support.epcis import INPUTS

CREATED = datetime(2025, 5, 11, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    # Vendored in the repo: a missing or altered file fails here, never skips.
    return load_schema()


def document_of(*events: dict[str, Any]) -> dict[str, Any]:
    return epcis_document(list(events), CREATED)


def test_the_vendored_schema_is_the_one_named_by_its_digest(schema):
    assert schema  # load_schema checked its sha256


def test_a_file_that_is_not_that_schema_is_refused_and_an_absent_one_said_so(tmp_path: Path):
    draft = tmp_path / "EPCIS-JSON-Schema.json"
    draft.write_text('{"$schema": "http://json-schema.org/draft-07/schema#"}')

    with pytest.raises(RuntimeError, match="sha256"):
        load_schema(draft)
    with pytest.raises(SchemaMissing):
        load_schema(tmp_path / "absent.json")


@pytest.mark.parametrize("event", list(INPUTS), ids=str)
def test_each_mapped_event_is_valid_in_a_document(schema, event):
    assert schema_problems(document_of(to_epcis(INPUTS[event])), schema) == []


@pytest.mark.parametrize("event", list(INPUTS), ids=str)
def test_each_mapped_event_is_valid_on_its_own_with_its_context(schema, event):
    alone = {"@context": context(), **to_epcis(INPUTS[event])}

    assert schema_problems(alone, schema) == []


def test_a_document_of_a_lots_whole_life_is_valid(schema):
    events = [to_epcis(given) for given in INPUTS.values()]

    assert schema_problems(document_of(*events), schema) == []


REGISTRATION: dict[str, Any] = to_epcis(INPUTS[EventType.CREATED])
SHIPMENT: dict[str, Any] = to_epcis(INPUTS[EventType.SHIPPED])
LOT_ENTRY: dict[str, Any] = REGISTRATION["quantityList"][0]
NOT_A_URI = REGISTRATION | {"quantityList": [LOT_ENTRY | {"epcClass": "lot"}]}


@pytest.mark.parametrize(
    ("where", "event"),
    [
        (".eventTimeZoneOffset: 'Z'", REGISTRATION | {"eventTimeZoneOffset": "Z"}),
        (".uom: 'kg'", REGISTRATION | {"quantityList": [LOT_ENTRY | {"uom": "kg"}]}),
        (".epcClass: 'lot' is not a 'uri'", NOT_A_URI),
        (".eventTime: '1 May' is not a 'date-time'", REGISTRATION | {"eventTime": "1 May"}),
        ("eventList[0]: fails the schema's anyOf", SHIPMENT | {"ilmd": REGISTRATION["ilmd"]}),
        (".bizStep: 'harvesting'", REGISTRATION | {"bizStep": "harvesting"}),
    ],
)  # fmt: skip
def test_the_schema_refuses_what_gs1_refuses_saying_where(schema, where, event):
    problems = schema_problems(document_of(event), schema)

    assert any(where in problem for problem in problems), problems
    assert not any(event["agrobridge:salt"] in problem for problem in problems)


def test_formats_are_checked_whatever_the_schemas_draft():
    for draft in (
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2020-12/schema",
    ):
        tiny = {
            "$schema": draft,
            "properties": {"id": {"format": "uri"}, "at": {"format": "date-time"}},
        }

        assert schema_problems({"id": "https://id.gs1.org/414/7501234000017"}, tiny) == []
        assert schema_problems({"id": "not a uri"}, tiny) == ["$.id: 'not a uri' is not a 'uri'"]
        assert schema_problems({"at": "2025-05-01T08:30:00.000Z"}, tiny) == []
        assert schema_problems({"at": "yesterday"}, tiny) == [
            "$.at: 'yesterday' is not a 'date-time'"
        ]


def test_the_document_carries_the_context_its_events_were_hashed_in():
    document = document_of(REGISTRATION)

    assert document["@context"] == [EPCIS_CONTEXT_URL, {"agrobridge": NAMESPACE}]
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    assert document["creationDate"] == "2025-05-11T12:00:00.000+00:00"
    assert document["epcisBody"] == {"eventList": [REGISTRATION]}


def test_the_documents_example_is_valid_and_its_event_id_is_its_hash(schema):
    example = DOCUMENT_EXAMPLE

    (event,) = example["epcisBody"]["eventList"]
    assert schema_problems(example, schema) == []
    assert event_hash(event) == event["eventID"]
    assert example["@context"] == context()
