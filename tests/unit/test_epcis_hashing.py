"""The GS1 event hash through our wrapper equals what GS1's reference tool computes on its own,
in a fresh process, whatever this process hashed before."""

import copy
import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from epcis_event_hash_generator import hash_generator, json_to_py

from api.domain.epcis import hashing
from api.domain.epcis.document import EPCIS_CONTEXT_URL, Event, Json, context
from api.domain.epcis.hashing import HashFailed, check_tool_version, document_hashes, event_hash

LOT = "https://id.gs1.org/01/07038010000065/10/AGB-7K3Q-9XD2-M4TN"
SUB_LOT = "https://trace.agrobridge.example/id/lot/AGB-5HN3-WQ7C-2KDW"
FARM = "https://id.gs1.org/414/7501234000017/254/field%2F3"
SALT = "9f86d081884c7d659a2feaa0c55ad015"

# Written by hand, as another EPCIS system would send them: our wrapper is not used to make them.
REGISTRATION: Event = {
    "type": "ObjectEvent",
    "eventTime": "2025-05-01T08:30:00.250-06:00",
    "eventTimeZoneOffset": "-06:00",
    "quantityList": [{"epcClass": LOT, "quantity": 1200.5, "uom": "KGM"}],
    "action": "ADD",
    "bizStep": "creating_class_instance",
    "disposition": "active",
    "readPoint": {"id": FARM},
    "bizLocation": {"id": FARM},
    "ilmd": {
        "cbvmda:lotNumber": "AGB-7K3Q-9XD2-M4TN",
        "cbvmda:harvestStartDate": "2025-04-30",
        "cbvmda:countryOfOrigin": "MX",
    },
    "agrobridge:salt": SALT,
}
SPLIT: Event = {
    "type": "TransformationEvent",
    "eventTime": "2025-05-03T10:00:00.000+02:00",
    "eventTimeZoneOffset": "+02:00",
    "inputQuantityList": [{"epcClass": LOT, "quantity": 1200.5, "uom": "KGM"}],
    "outputQuantityList": [
        {"epcClass": SUB_LOT, "quantity": 700, "uom": "KGM"},
        {"epcClass": SUB_LOT.replace("2KDW", "3ZZ0"), "quantity": 500.5, "uom": "KGM"},
    ],
    "bizStep": "creating_class_instance",
    "disposition": "active",
    "ilmd": {"cbvmda:harvestStartDate": "2025-04-30", "cbvmda:countryOfOrigin": "MX"},
    "agrobridge:previousEventID": "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0",
    "agrobridge:salt": "0c55ad0159f86d081884c7d659a2feaa",
}
SHIPMENT: Event = {
    "type": "ObjectEvent",
    "eventTime": "2025-05-02T23:15:00.000+00:00",
    "eventTimeZoneOffset": "+00:00",
    "quantityList": [{"epcClass": LOT, "quantity": 1.2005, "uom": "TNE"}],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": FARM},
    "bizTransactionList": [{"type": "desadv", "bizTransaction": "urn:example:desadv:4711"}],
    "sourceList": [
        {"type": "owning_party", "source": "https://id.gs1.org/417/7501234000017"},
        {"type": "location", "source": FARM},
    ],
    "destinationList": [
        {"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000009"},
        {"type": "location", "destination": "https://id.gs1.org/414/4012345000009"},
    ],
    "agrobridge:previousEventID": "ni:///sha-256;" + "cd" * 32 + "?ver=CBV2.0",
    "agrobridge:salt": "884c7d659a2feaa0c55ad0159f86d081",
}
EVENTS = {"registration": REGISTRATION, "split": SPLIT, "shipment": SHIPMENT}


def document(event: Event, ctx: list[Json] | None = None) -> Event:
    return {
        "@context": context() if ctx is None else ctx,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-05-04T00:00:00.000+00:00",
        "epcisBody": {"eventList": [event]},
    }


# Another document whose context redeclares GS1's `cbvmda` prefix inline, as other EPCIS
# software writes them: hashed by the tool directly, it leaves the prefix in the tool's state.
OTHER_CONTEXT: list[Json] = [
    EPCIS_CONTEXT_URL,
    {"cbvmda": "urn:epcglobal:cbv:mda:", "ex": "https://ex.org/"},
]


def raw_hash(doc: Event) -> list[str]:
    """The tool called directly in this process, as the wrapper must not be needed for."""
    events = json_to_py.event_list_from_epcis_document_json(copy.deepcopy(doc))
    hashes: list[str] = hash_generator.epcis_hashes_from_events(events)
    return hashes


def reference_hashes(tmp_path: Path) -> dict[str, str]:
    """GS1's tool, its own command line, in a fresh process: the hashes it writes beside each
    document (the format of its golden vectors)."""
    paths = {}
    for name, event in EVENTS.items():
        paths[name] = tmp_path / f"{name}.jsonld"
        paths[name].write_text(json.dumps(document(event)))
    subprocess.run(
        [sys.executable, "-m", "epcis_event_hash_generator", "-b", *map(str, paths.values())],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return {name: path.with_suffix(".hashes").read_text().strip() for name, path in paths.items()}


def test_our_hashes_equal_the_reference_tools_in_a_fresh_process_after_other_documents(tmp_path):
    expected = reference_hashes(tmp_path)
    # This process has since hashed another system's document with the tool itself.
    raw_hash(document(SHIPMENT, OTHER_CONTEXT))
    polluted = raw_hash(document(REGISTRATION))

    ours = {name: event_hash(event) for name, event in EVENTS.items()}

    assert ours == expected
    assert all(value.startswith("ni:///sha-256;") for value in ours.values())
    # The trap is real: the tool left to itself now hashes the registration differently.
    assert polluted != [expected["registration"]]


# The tool's golden vectors (tag v1.9.3, tests/examples): each document with its events' hashes.
VECTORS = Path(__file__).parent / "epcis_vectors"
GOLDEN = sorted(path for path in VECTORS.glob("*.jsonld") if path.with_suffix(".hashes").exists())


def test_the_golden_vectors_are_there():
    assert len(GOLDEN) >= 15


@pytest.mark.parametrize("path", GOLDEN, ids=lambda path: path.stem)
def test_the_golden_vectors_hash_as_published_in_any_order(path: Path):
    expected = path.with_suffix(".hashes").read_text().split()

    assert document_hashes(json.loads(path.read_text())) == expected


def test_a_document_whose_context_would_be_fetched_is_refused():
    remote = document(SHIPMENT, ["https://example.com/epcis-context.jsonld"])

    with pytest.raises(ValueError, match="from the network"):
        document_hashes(remote)


def test_hashing_a_then_b_then_a_gives_a_the_same_hash():
    first = event_hash(SPLIT)
    event_hash(SHIPMENT)
    # A prefix no other document declares, hashed by the tool itself: left in its state, it
    # would rewrite the `ni:` eventID the split links to.
    raw_hash(document(REGISTRATION, [EPCIS_CONTEXT_URL, {"ni": "urn:example:ni:"}]))

    assert event_hash(SPLIT) == first


def test_the_event_id_and_record_time_are_not_hashed_and_everything_else_is():
    plain = event_hash(REGISTRATION)
    stamped = REGISTRATION | {
        "eventID": "ni:///sha-256;" + "00" * 32 + "?ver=CBV2.0",
        "recordTime": "2025-05-05T00:00:00.000Z",
    }

    assert event_hash(stamped) == plain
    assert event_hash(REGISTRATION | {"agrobridge:salt": SALT[::-1]}) != plain
    assert event_hash(REGISTRATION | {"bizStep": "commissioning"}) != plain


def test_an_event_in_our_context_hashes_as_without_it_and_another_context_is_refused():
    assert event_hash(REGISTRATION | {"@context": context()}) == event_hash(REGISTRATION)
    with pytest.raises(ValueError, match="our @context only"):
        event_hash(REGISTRATION | {"@context": OTHER_CONTEXT})


def test_an_event_the_tool_cannot_read_is_an_error_not_a_missing_hash():
    # Milliseconds that round up to the next second: the tool logs it and leaves it out.
    unreadable = REGISTRATION | {"eventTime": "2025-05-01T08:30:00.9996-06:00"}

    assert raw_hash(document(unreadable)) == []
    with pytest.raises(HashFailed):
        event_hash(unreadable)


def test_the_tool_logs_the_salt_on_its_own_but_not_through_the_wrapper(caplog):
    caplog.set_level(logging.DEBUG)
    raw_hash(document(REGISTRATION))
    assert SALT in caplog.text  # INFO: our logging routes the root logger to the app's log
    caplog.clear()

    event_hash(REGISTRATION)
    with pytest.raises(HashFailed):
        event_hash(REGISTRATION | {"eventTime": "2025-05-01T08:30:00.9996-06:00"})

    assert SALT not in caplog.text
    assert logging.getLogger().filters == []


def test_threads_hashing_at_once_get_the_hashes_of_one_at_a_time():
    expected = {name: event_hash(event) for name, event in EVENTS.items()}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    wrong = []

    def work():
        for _ in range(15):
            for name, event in EVENTS.items():
                if event_hash(event) != expected[name]:
                    wrong.append(name)

    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)

    assert wrong == []


def test_the_installed_tool_is_the_version_the_wrapper_was_checked_against():
    check_tool_version()


def test_another_version_of_the_tool_is_refused_naming_both():
    with pytest.raises(RuntimeError) as refused:
        check_tool_version(installed=lambda name: "1.9.4")

    message = str(refused.value)
    assert "epcis-event-hash-generator 1.9.4 is installed" in message
    assert hashing.TESTED_VERSION in message
