#!/usr/bin/env python3
"""Verify an AgroBridge batch's event chain without AgroBridge's code: standard library only.

Usage:
  verify_chain.py https://HOST/api/v1/public/batches/CODE   (no token needed)
  verify_chain.py FILE.json | -                             (a saved public view, or the
                                                             answer of GET /batches/{id}/events)

Prints the verdict as JSON in the API's `verification` shape and exits 0 when the chain is
intact, 1 when it is not, 2 on bad input. The algorithm is the one docs/API.md documents:
  data_hash = SHA-256(salt || JCS(data))    (only when the events carry their data and salt;
                                             the public timeline gives data_hash alone)
  hash      = SHA-256(JCS({"batch_id", "seq", "type", "at", "actor_role", "data_hash",
                           "prev_hash"}))
with JCS the JSON Canonicalization Scheme (RFC 8785), salt the event's 32 bytes (given in
hex), seq running 1, 2, 3..., prev_hash of the first event 64 zeros, each later prev_hash the
hash before it, and every transaction's anchor_hash the hash of one of the events. An event
made before the chain was salted also carries its legacy_hash, the same formula over the
unsalted SHA-256(JCS(data)) with the legacy hash before it as prev_hash; it is checked too.
"""

import hashlib
import json
import sys
import urllib.request
from typing import Any

GENESIS = "0" * 64
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                 "\t": "\\t"}  # fmt: skip


def jcs(value: Any) -> str:
    """RFC 8785 for the values a chain holds (no floats): keys sorted by UTF-16 code units."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        escaped = (
            SHORT_ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if ord(ch) < 0x20 else ch) for ch in value
        )
        return '"' + "".join(escaped) + '"'
    if isinstance(value, list):
        return "[" + ",".join(jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(jcs(key) + ":" + jcs(value[key]) for key in keys) + "}"
    raise ValueError(f"a chain holds no {type(value).__name__} values")


def sha256(text: str, salt: bytes = b"") -> str:
    return hashlib.sha256(salt + text.encode("utf-8")).hexdigest()


def event_hash(batch_id: str, event: dict[str, Any], data_hash: str, prev_hash: str) -> str:
    body = {
        "batch_id": batch_id,
        "seq": event["seq"],
        "type": event["type"],
        "at": event["at"],
        "actor_role": event["actor_role"],
        "data_hash": data_hash,
        "prev_hash": prev_hash,
    }
    return sha256(jcs(body))


def data_hash(event: dict[str, Any]) -> str:
    if "data" not in event:
        return str(event["data_hash"])
    return sha256(jcs(event["data"]), bytes.fromhex(event.get("salt") or ""))


def verdict(events: list[dict[str, Any]], batch_id: str, anchors: list[dict[str, Any]]) -> dict:
    head = events[-1]["hash"] if events else None

    def broken(reason: str, seq: int | None = None, tx_hash: str | None = None) -> dict:
        where = {"reason": reason, "seq": seq, "tx_hash": tx_hash}
        return {"valid": False, "length": len(events), "head_hash": head, "broken_at": where}

    prev = legacy_prev = GENESIS
    for expected, event in enumerate(events, start=1):
        legacy = event.get("legacy_hash")
        if event["seq"] != expected:
            return broken("sequence_gap", event["seq"])
        if event["prev_hash"] != prev:
            return broken("prev_hash_mismatch", event["seq"])
        if event_hash(batch_id, event, data_hash(event), prev) != event["hash"]:
            return broken("hash_mismatch", event["seq"])
        if legacy and "data" in event:
            unsalted = sha256(jcs(event["data"]))
            if event_hash(batch_id, event, unsalted, legacy_prev) != legacy:
                return broken("legacy_hash_mismatch", event["seq"])
        prev, legacy_prev = event["hash"], legacy or legacy_prev
    hashes = {event["hash"] for event in events}
    for record in anchors:
        if record.get("anchor_hash") is not None and record["anchor_hash"] not in hashes:
            return broken("anchor_not_in_chain", tx_hash=record["tx_hash"])
    return {"valid": True, "length": len(events), "head_hash": head, "broken_at": None}


def load(source: str) -> dict[str, Any]:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            source, headers={"Accept": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - http(s) only
            loaded: dict[str, Any] = json.load(answer)
            return loaded
    if source == "-":
        return dict(json.load(sys.stdin))
    with open(source, encoding="utf-8") as file:
        return dict(json.load(file))


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 0 if len(argv) == 2 else 2
    try:
        document = load(argv[1])
        # A public view has a timeline (data digested); the events answer has the data itself.
        events = document["timeline"] if "timeline" in document else document["data"]
        result = verdict(events, document["batch_id"], document.get("transactions", []))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"verify_chain: cannot read a chain from {argv[1]}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
