"""GS1's EPCIS query interface over in-memory fakes: the parameters (and the 400s for what is not
one), who sees which events, paging by Link, and one event by its eventID (docs/API.md, "EPCIS
queries")."""

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.domain.users import Role
from tests.http.harness import Fakes, bearer
from tests.http.test_epcis import BATCH

EVENTS = "/api/v1/epcis/events"
GTIN = "07038010000065"
Auth = dict[str, str]


@pytest.fixture
async def producer(fakes: Fakes) -> Auth:
    return bearer(fakes.token(await fakes.user(Role.PRODUCER)))


async def batch(api: httpx.AsyncClient, auth: Auth, **extra: Any) -> dict[str, Any]:
    made = await api.post("/api/v1/batches", json=BATCH | extra, headers=auth)
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def events_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    assert body["epcisBody"]["queryResults"]["queryName"] == "SimpleEventQuery"
    found: list[dict[str, Any]] = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    return found


def next_url(response: httpx.Response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    url, rel = str(link).split(";", 1)
    assert rel.strip() == 'rel="next"'
    return url.strip().removeprefix("<").removesuffix(">")


async def test_a_query_answers_the_callers_events_as_an_epcis_query_document(
    api: httpx.AsyncClient, producer: Auth, fakes: Fakes
) -> None:
    mine = await batch(api, producer, gtin=GTIN)
    theirs = await batch(api, bearer(fakes.token(await fakes.user(Role.PRODUCER))))
    auditor = bearer(fakes.token(await fakes.user(Role.AUDITOR)))

    answer = await api.get(EVENTS, headers=producer)
    everything = events_of(await api.get(EVENTS, headers=auditor))

    (event,) = events_of(answer)
    assert answer.headers["Content-Type"] == "application/ld+json"
    assert answer.headers["GS1-EPCIS-Version"] == "2.0"
    assert "Link" not in answer.headers
    assert event["ilmd"]["cbvmda:lotNumber"] == mine["code"]
    assert event["quantityList"][0]["epcClass"].endswith(f"/01/{GTIN}/10/{mine['code']}")
    assert event["recordTime"].endswith("+00:00")
    lots = {e["ilmd"]["cbvmda:lotNumber"] for e in everything}
    assert {mine["code"], theirs["code"]} <= lots


async def test_filters_find_events_by_type_time_step_disposition_class_and_id(
    api: httpx.AsyncClient, producer: Auth
) -> None:
    kept = await batch(api, producer, gtin=GTIN)
    dropped = await batch(api, producer)
    cancelled = await api.post(
        f"/api/v1/batches/{dropped['id']}/status", json={"status": "cancelled"}, headers=producer
    )
    assert cancelled.status_code == 200, cancelled.text
    split = await api.post(
        f"/api/v1/batches/{kept['id']}/split",
        json={"parts": [{"quantity": "1000"}, {"quantity": "250.5"}]},
        headers=producer,
    )
    assert split.status_code == 201, split.text
    every = events_of(await api.get(EVENTS, headers=producer))
    registration = every[0]

    async def found(**params: str) -> list[str]:
        return [
            e["eventID"] for e in events_of(await api.get(EVENTS, params=params, headers=producer))
        ]

    ids = [e["eventID"] for e in every]
    assert len(ids) == 4
    assert await found(eventType="TransformationEvent") == [ids[3]]
    assert await found(eventType="TransformationEvent|ObjectEvent") == ids
    assert await found(EQ_bizStep="decommissioning") == [
        e["eventID"] for e in every if e["bizStep"] == "decommissioning"
    ]
    assert await found(EQ_bizStep="https://ref.gs1.org/cbv/BizStep-decommissioning") == await found(
        EQ_bizStep="decommissioning"
    )
    assert await found(EQ_disposition="inactive|active") == ids
    lot = registration["quantityList"][0]["epcClass"]
    assert await found(MATCH_anyEPCClass=lot) == [registration["eventID"], ids[3]]
    every_lot_of_the_gtin = await found(MATCH_anyEPCClass=f"https://id.gs1.org/01/{GTIN}/10/*")
    assert every_lot_of_the_gtin == [registration["eventID"], ids[3]]
    assert await found(EQ_eventID=f"{ids[1]}|{ids[2]}") == ids[1:3]
    assert await found(GE_eventTime=registration["eventTime"]) == ids
    assert await found(LT_eventTime=registration["eventTime"]) == []


async def test_pages_follow_the_link_and_hold_every_event_once(
    api: httpx.AsyncClient, producer: Auth
) -> None:
    for _ in range(5):
        await batch(api, producer)
    every = [e["eventID"] for e in events_of(await api.get(EVENTS, headers=producer))]

    seen: list[str] = []
    url: str | None = f"{EVENTS}?perPage=2&eventType=ObjectEvent"
    pages = 0
    while url is not None:
        page = await api.get(url, headers=producer)
        seen += [e["eventID"] for e in events_of(page)]
        url, pages = next_url(page), pages + 1

    assert seen == every
    assert pages == 3


async def test_a_page_token_is_refused_when_forged_or_given_to_another_query(
    api: httpx.AsyncClient, producer: Auth
) -> None:
    for _ in range(2):
        await batch(api, producer)
    first = await api.get(EVENTS, params={"perPage": "1"}, headers=producer)
    token = str(next_url(first)).rsplit("nextPageToken=", 1)[1]

    other = await api.get(
        EVENTS, params={"perPage": "1", "nextPageToken": token, "eventType": "ObjectEvent"},
        headers=producer,
    )  # fmt: skip
    forged = await api.get(EVENTS, params={"nextPageToken": token[:-3] + "AAA"}, headers=producer)

    for refused in (other, forged):
        assert refused.status_code == 400, refused.text
        assert "nextPageToken" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"EQ_readPoint": "https://id.gs1.org/414/7501234000017"}, "EQ_readPoint"),
        ({"eventType": "ShipmentEvent"}, "eventType"),
        ({"eventType": ""}, "eventType"),
        ({"GE_eventTime": "2026-10-03T08:15:00"}, "GE_eventTime"),
        ({"perPage": "0"}, "perPage"),
        ({"perPage": "101"}, "perPage"),
        ({"MATCH_anyEPCClass": "https://id.gs1.org/01/*/10/x"}, "MATCH_anyEPCClass"),
        ({"EQ_bizStep": "shipping||receiving"}, "EQ_bizStep"),
        ({"nextPageToken": "not a token"}, "nextPageToken"),
    ],
)
async def test_a_parameter_this_query_does_not_answer_or_a_bad_value_is_a_400_naming_it(
    api: httpx.AsyncClient, producer: Auth, params: dict[str, str], field: str
) -> None:
    refused = await api.get(EVENTS, params=params, headers=producer)

    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "bad_request"
    assert "QueryParameterException" in error["message"]
    assert [d["field"] for d in error["details"]] == [field]


async def test_a_single_value_parameter_given_twice_is_refused_and_a_list_is_joined(
    api: httpx.AsyncClient, producer: Auth
) -> None:
    await batch(api, producer)

    twice = await api.get(f"{EVENTS}?perPage=1&perPage=2", headers=producer)
    joined = await api.get(
        f"{EVENTS}?eventType=TransformationEvent&eventType=ObjectEvent", headers=producer
    )

    assert twice.status_code == 400
    assert twice.json()["error"]["details"] == [{"field": "perPage", "issue": "give it once"}]
    assert len(events_of(joined)) == 1


async def test_one_event_by_its_event_id_for_those_who_may_read_its_lot(
    api: httpx.AsyncClient, producer: Auth, fakes: Fakes
) -> None:
    made = await batch(api, producer)
    (event,) = events_of(await api.get(EVENTS, headers=producer))
    path = f"{EVENTS}/{quote(event['eventID'], safe='')}"
    stranger = bearer(fakes.token(await fakes.user(Role.PRODUCER)))

    mine = await api.get(path, headers=producer)
    theirs = await api.get(path, headers=stranger)
    unknown = await api.get(
        f"{EVENTS}/{quote('ni:///sha-256;' + '0' * 64 + '?ver=CBV2.0', safe='')}", headers=producer
    )

    assert events_of(mine) == [event]
    assert mine.headers["GS1-EPCIS-Version"] == "2.0"
    for missing in (theirs, unknown):
        assert missing.status_code == 404, missing.text
        assert missing.json()["error"]["code"] == "not_found"
    assert events_of(await api.get(EVENTS, headers=stranger)) == []
    # The stranger's try is kept as a denial about the lot, as one for the batch itself is.
    (denial,) = fakes.audit.of("access.denied")
    assert (denial.target_type, denial.target_id) == ("batch", made["id"])
