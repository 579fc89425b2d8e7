"""The GS1 event hash of an EPCIS event (its eventID, `ni:///sha-256;<hex>?ver=CBV2.0`), by
GS1's reference implementation, epcis-event-hash-generator (docs/standards.md, "The event hash").

The tool (1.9.3) reads whole EPCISDocuments: each of our events is hashed alone in a document of
ours, with our @context. Around it, this module handles what the tool gets wrong for a server:

- it keeps every prefix any document declared in a module-level dict it never clears, so a hash
  would depend on what the process hashed before: the dict is cleared before and after each
  call, and calls take turns under one lock;
- an event it cannot read (a time whose milliseconds round up to the next second, say) it logs
  and leaves out, answering no hash at all: that is an error here;
- it logs every event it reads, salt and private data included, to the root logger, at INFO
  (where our logging listens) and at ERROR when it fails: its records are dropped while it runs.

Its private state is touched here only, on the version it was checked against (TESTED_VERSION).
"""

import copy
import functools
import json
import logging
import threading
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from types import ModuleType

from api.domain.epcis.document import EPCIS_CONTEXT_URL, SCHEMA_VERSION, Event, Json, context

TOOL = "epcis-event-hash-generator"
TESTED_VERSION = "1.9.3"
ALGORITHM = "sha256"
# The contexts the tool ships copies of: any other it fetches from the network.
BUNDLED_CONTEXTS = frozenset(
    {EPCIS_CONTEXT_URL, "https://gs1.github.io/EPCIS/epcis-context.jsonld"}
)

_turn = threading.Lock()


class HashFailed(ValueError):
    """The reference tool produced no hash for the event."""


def check_tool_version(installed: Callable[[str], str] = metadata.version) -> None:
    """Refuse to hash with a version of the tool this module was not checked against."""
    found = installed(TOOL)
    if found != TESTED_VERSION:
        raise RuntimeError(
            f"{TOOL} {found} is installed, but api/domain/epcis/hashing.py was checked against "
            f"{TESTED_VERSION}: read the tool's json_to_py and hash_generator against it "
            "(module state, logging, dropped events), then change TESTED_VERSION"
        )


@functools.cache
def _tool() -> tuple[ModuleType, ModuleType]:
    # Imported on first use: importing it sets pyld's document loader and sys.path.
    check_tool_version()
    from epcis_event_hash_generator import hash_generator, json_to_py
    from pyld import jsonld  # type: ignore[import-untyped]

    jsonld.set_document_loader(_static_bundled(jsonld.get_document_loader()))
    json_to_py.json = _JsonForDebugRecords
    return json_to_py, hash_generator


class _Formatted:
    def __init__(self, value: object, options: dict[str, object]) -> None:
        self._value, self._options = value, options

    def __str__(self) -> str:
        return json.dumps(self._value, **self._options)  # type: ignore[arg-type]


class _JsonForDebugRecords:
    """What the tool's json_to_py sees as `json`: it formats whole documents (three a hash) for
    debug records that are dropped, so they are formatted only if a record is ever rendered."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value: object, **options: object) -> _Formatted:
        return _Formatted(value, options)


def _static_bundled(loader: Callable[..., dict[str, Json]]) -> Callable[..., dict[str, Json]]:
    """The tool's loader reads its copies of GS1's contexts from disk, and pyld, told nothing
    about them, reads and resolves them again on every hash (most of a hash's time). They are
    files of the installed tool: marked static, pyld resolves each once per process."""

    def load(url: str, options: dict[str, Json] | None = None) -> dict[str, Json]:
        remote = loader(url, options or {})
        return {**remote, "tag": "static"} if url in BUNDLED_CONTEXTS else remote

    return load


class _DropRecordsFrom(logging.Filter):
    def __init__(self, directory: Path) -> None:
        super().__init__()
        self._directory = str(directory)

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.pathname.startswith(self._directory)


def _document(event: Mapping[str, Json]) -> Event:
    given = event.get("@context")
    if given is not None and given != context():
        # An inline prefix (even GS1's own, redeclared) changes the hash.
        raise ValueError("an event is hashed in our @context only")
    body = {key: value for key, value in event.items() if key != "@context"}
    return {
        "@context": context(),
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "epcisBody": {"eventList": [body]},
    }


def _event_count(document: Mapping[str, Json]) -> int:
    """How many events the document holds, and that its context needs no network."""
    given = document.get("@context")
    urls = [given] if isinstance(given, str) else given if isinstance(given, list) else []
    for url in urls:
        if isinstance(url, str) and url not in BUNDLED_CONTEXTS:
            raise ValueError(f"{TOOL} would fetch the context {url} from the network")
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise ValueError("an EPCISDocument has an epcisBody")
    events = body.get("eventList")
    return len(events) if isinstance(events, list) else 1


def document_hashes(document: Mapping[str, Json]) -> list[str]:
    """The GS1 hash of each event of an EPCISDocument, in its own @context, in order."""
    count = _event_count(document)
    copied = copy.deepcopy(dict(document))  # the tool changes what it reads
    json_to_py, hash_generator = _tool()
    quiet = _DropRecordsFrom(Path(str(hash_generator.__file__)).parent)
    root = logging.getLogger()
    with _turn:
        json_to_py._namespaces.clear()
        root.addFilter(quiet)
        try:
            events = json_to_py.event_list_from_epcis_document_json(copied)
            prehashes = hash_generator.derive_prehashes_from_events(events)
            hashes: list[str] = hash_generator.calculate_hashes_from_pre_hashes(
                prehashes, ALGORITHM
            )
        finally:
            root.removeFilter(quiet)
            json_to_py._namespaces.clear()
    if len(hashes) != count:
        raise HashFailed(f"{TOOL} could not read {count - len(hashes)} of the events")
    return hashes


def event_hash(event: Mapping[str, Json]) -> str:
    """The event's GS1 hash, alone in a document of ours (the tool reads bare CBV words by
    what else the document holds). Its eventID and recordTime are not hashed; everything
    else is, extension fields included."""
    (digest,) = document_hashes(_document(event))
    return digest
