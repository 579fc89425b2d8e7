"""A Python client generated from the served document (openapi-python-client, as a partner
would) runs the README's whole flow, and parses every error as the document's error model."""

import base64
import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from api.domain.epcis.document import EPCIS_CONTEXT_URL
from tests.support.builders import random_gln
from tests.support.server import RunningServer

PASSWORD = "a long passphrase nobody else picks"
CONFIG = """\
project_name_override: agrobridge-client
package_name_override: agrobridge_client
post_hooks: []
content_type_overrides:
  image/svg+xml: application/octet-stream
  image/png: application/octet-stream
  text/csv; charset=utf-8; header=present: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
"""


@pytest.fixture(scope="module")
def sdk(contract_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    where = tmp_path_factory.mktemp("client")
    (where / "openapi.json").write_bytes(
        httpx.get(contract_server.url + "/docs/openapi.json", timeout=10).content
    )
    (where / "config.yml").write_text(CONFIG)
    generated = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.yml"),
            "--output-path",
            str(where / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout
    sys.path.insert(0, str(where / "out"))
    try:
        yield Sdk(contract_server.url)
    finally:
        sys.path.remove(str(where / "out"))
        for name in [m for m in sys.modules if m.startswith("agrobridge_client")]:
            del sys.modules[name]


class Sdk:
    """The generated package's modules, by the names a client developer would use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = importlib.import_module("agrobridge_client.client")
        self.models = importlib.import_module("agrobridge_client.models")

    def api(self, tag: str, operation_id: str) -> ModuleType:
        return importlib.import_module(f"agrobridge_client.api.{tag}.{operation_id}")

    def anonymous(self) -> Any:
        return self.client.Client(base_url=self.url)

    def authenticated(self, token: str) -> Any:
        return self.client.AuthenticatedClient(base_url=self.url, token=token)


def test_the_readme_flow_through_the_generated_client(sdk: Sdk) -> None:
    m = sdk.models
    anonymous = sdk.anonymous()
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    register = sdk.api("auth", "auth_register")
    created = register.sync_detailed(
        client=anonymous, body=m.RegisterIn(email=email, password=PASSWORD, full_name="Ana")
    )
    assert created.status_code == 201
    assert isinstance(created.parsed, m.UserOut)
    assert created.parsed.role == m.Role.PRODUCER

    tokens = sdk.api("auth", "auth_login").sync(
        client=anonymous, body=m.LoginIn(email=email, password=PASSWORD)
    )
    assert isinstance(tokens, m.TokenOut)
    ana = sdk.authenticated(tokens.access_token)

    batch_in = m.BatchIn(
        product="avocado",
        variety="Hass",
        harvest_date=date(2026, 10, 2),
        origin=m.OriginIn(farm="La Loma", region="Michoacan", country=m.OriginInCountry.MX),
        quantity="1250.500",
        unit=m.Unit.KG,
    )
    made = sdk.api("batches", "batches_create").sync_detailed(client=ana, body=batch_in)
    assert made.status_code == 201
    batch = made.parsed
    assert isinstance(batch, m.BatchOut)
    assert made.headers["Location"].endswith(str(batch.id))
    assert batch.quantity == "1250.500"

    bo_email = f"bo-{uuid.uuid4().hex[:8]}@example.com"
    buyer = m.RegisterIn(
        email=bo_email, password=PASSWORD, full_name="Bo", role=m.RegisterInRole.BUYER
    )
    assert register.sync_detailed(client=anonymous, body=buyer).status_code == 201
    shipped = sdk.api("batches", "batches_change_status").sync(
        client=ana,
        batch_id=batch.id,
        body=m.StatusIn(status=m.BatchStatus.IN_TRANSIT, note="truck 7", recipient=bo_email),
    )
    assert isinstance(shipped, m.BatchOut)
    assert shipped.status == m.BatchStatus.IN_TRANSIT

    tx_hash = "0x" + uuid.uuid4().hex + uuid.uuid4().hex
    record = sdk.api("transactions", "transactions_record")
    tx_in = m.TransactionIn(tx_hash=tx_hash, network="polygon-amoy", event_type=m.EventType.SHIPPED)
    first = record.sync_detailed(client=ana, batch_id=batch.id, body=tx_in)
    again = record.sync_detailed(client=ana, batch_id=batch.id, body=tx_in)
    assert (first.status_code, again.status_code) == (201, 200)
    assert isinstance(again.parsed, m.TransactionOut)
    assert again.parsed.id == first.parsed.id

    page = sdk.api("transactions", "transactions_list").sync(client=ana, batch_id=batch.id)
    assert isinstance(page, m.TransactionPage)
    assert [t.tx_hash for t in page.data] == [tx_hash]

    listed = sdk.api("batches", "batches_list").sync(
        client=ana, status=m.BatchStatus.IN_TRANSIT, limit=10
    )
    assert isinstance(listed, m.BatchPage)
    assert [b.id for b in listed.data] == [batch.id]

    events = sdk.api("events", "events_list").sync(client=ana, batch_id=batch.id)
    assert isinstance(events, m.EventsOut)
    assert [e.type_ for e in events.data] == ["created", "shipped", "transaction_recorded"]
    assert events.verification.valid

    public = sdk.api("public", "public_batch").sync_detailed(client=anonymous, code=batch.code)
    assert isinstance(public.parsed, m.PublicBatchOut)
    assert public.parsed.verification.valid
    assert public.parsed.origin.farm is None
    cached = sdk.api("public", "public_batch").sync_detailed(
        client=anonymous, code=batch.code, if_none_match=public.headers["ETag"]
    )
    assert cached.status_code == 304
    qr = sdk.api("public", "public_qr_svg").sync_detailed(client=anonymous, code=batch.code)
    assert qr.status_code == 200
    assert qr.headers["Content-Type"].startswith("image/svg+xml")

    sessions = sdk.api("auth", "sessions_list").sync(client=ana)
    assert isinstance(sessions, m.SessionList)
    assert [s.current for s in sessions.data] == [True]
    me = sdk.api("auth", "auth_me").sync(client=ana)
    assert isinstance(me, m.MeOut)
    assert me.email == email

    out = sdk.api("auth", "auth_logout").sync_detailed(client=ana)
    assert out.status_code == 204
    after = sdk.api("auth", "auth_me").sync_detailed(client=ana)
    assert after.status_code == 401
    assert isinstance(after.parsed, m.ErrorOut)
    assert after.parsed.error.code == m.ErrorBodyCode.UNAUTHORIZED


def _person(sdk: Sdk, role: str = "producer") -> tuple[str, Any]:
    m, anonymous = sdk.models, sdk.anonymous()
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    body = m.RegisterIn.from_dict(
        {"email": email, "password": PASSWORD, "full_name": "Pat", "role": role}
    )
    assert (
        sdk.api("auth", "auth_register").sync_detailed(client=anonymous, body=body).status_code
        == 201
    )
    tokens = sdk.api("auth", "auth_login").sync(
        client=anonymous, body=m.LoginIn(email=email, password=PASSWORD)
    )
    return email, sdk.authenticated(tokens.access_token)


def test_organisations_through_the_generated_client(sdk: Sdk) -> None:
    m = sdk.models
    _, ana = _person(sdk)
    farm = sdk.api("organisations", "organisations_create").sync(
        client=ana,
        body=m.OrganisationIn.from_dict(
            {"name": "Finca La Loma", "country": "MX", "activities": ["producer"]}
        ),
    )
    assert isinstance(farm, m.OrganisationOut)
    bo_email, bo = _person(sdk)
    invitation = sdk.api("organisations", "organisations_invite").sync(
        client=ana,
        organisation_id=farm.id,
        body=m.InvitationIn.from_dict({"email": bo_email, "role": "manager"}),
    )
    assert isinstance(invitation, m.InvitationOut)
    joined = sdk.api("organisations", "invitations_accept").sync(
        client=bo, body=m.AcceptIn(token=invitation.token)
    )
    assert isinstance(joined, m.MembershipOut)
    assert joined.organisation.id == farm.id
    switched = sdk.api("auth", "auth_switch").sync(
        client=bo, body=m.SwitchIn(organisation_id=farm.id)
    )
    assert isinstance(switched, m.SwitchOut)
    bo_at_farm = sdk.authenticated(switched.access_token)

    field = sdk.api("locations", "locations_create").sync(
        client=ana,
        organisation_id=farm.id,
        body=m.LocationIn.from_dict(
            {"name": "Lote 4", "kind": "field", "country": "MX", "region": "Michoacan"}
        ),
    )
    assert isinstance(field, m.LocationOut)

    _, cy = _person(sdk, "buyer")
    packer_gln = random_gln()
    packer = sdk.api("organisations", "organisations_create").sync(
        client=cy,
        body=m.OrganisationIn.from_dict(
            {"name": "Packer", "country": "US", "activities": ["buyer"], "gln": packer_gln}
        ),
    )
    batch = sdk.api("batches", "batches_create").sync(
        client=bo_at_farm,
        body=m.BatchIn.from_dict(
            {
                "product": "avocado",
                "origin_location_id": str(field.id),
                "harvest_date": "2026-10-02",
                "quantity": "500",
                "unit": "kg",
            }
        ),
    )
    assert batch.owner_id == farm.id
    assert batch.origin.farm == "Lote 4"
    shipped = sdk.api("batches", "batches_change_status").sync(
        client=bo_at_farm,
        batch_id=batch.id,
        body=m.StatusIn(status=m.BatchStatus.IN_TRANSIT, recipient=packer_gln),
    )
    assert isinstance(shipped, m.BatchOut)
    assert shipped.recipient_id == packer.id
    members = sdk.api("organisations", "organisations_members").sync(
        client=ana, organisation_id=farm.id
    )
    assert isinstance(members, m.MemberList)
    assert sorted(x.role.value for x in members.data) == ["manager", "owner"]

    # The farm's system: client credentials (client_secret_basic), then a read with its token.
    made = sdk.api("clients", "clients_create").sync(
        client=ana,
        organisation_id=farm.id,
        body=m.ClientIn.from_dict(
            {"name": "erp", "scopes": ["batches:read"], "auth_method": "client_secret_basic"}
        ),
    )
    assert isinstance(made, m.ClientOut)
    pair = base64.b64encode(f"{made.client_id}:{made.client_secret}".encode()).decode()
    token = sdk.api("clients", "auth_token").sync(
        client=sdk.anonymous().with_headers({"Authorization": f"Basic {pair}"}),
        body=m.TokenRequestIn.from_dict({"grant_type": "client_credentials"}),
    )
    assert isinstance(token, m.ClientTokenOut)
    assert token.scope == "batches:read"
    read = sdk.api("batches", "batches_get").sync(
        client=sdk.authenticated(token.access_token), batch_id=batch.id
    )
    assert isinstance(read, m.BatchOut)
    assert read.status == m.BatchStatus.IN_TRANSIT


def test_fsma_records_through_the_generated_client(sdk: Sdk) -> None:
    m = sdk.models
    _, ana = _person(sdk)
    bo_email, bo = _person(sdk, "buyer")
    product = f"romaine {uuid.uuid4().hex[:8]}"
    batch = sdk.api("batches", "batches_create").sync(
        client=ana,
        body=m.BatchIn.from_dict(
            {"product": product, "origin": {"farm": "La Loma", "country": "MX"},
             "harvest_date": "2031-05-01", "quantity": "900", "unit": "kg"}
        ),
    )  # fmt: skip
    document = m.ReferenceDocumentIn(type_="bill_of_lading", number="BOL-7")
    change = sdk.api("batches", "batches_change_status")
    ship = m.StatusIn(
        status=m.BatchStatus.IN_TRANSIT, recipient=bo_email, reference_document=document
    )
    assert isinstance(change.sync(client=ana, batch_id=batch.id, body=ship), m.BatchOut)
    delivered = m.StatusIn(status=m.BatchStatus.DELIVERED)
    assert isinstance(change.sync(client=bo, batch_id=batch.id, body=delivered), m.BatchOut)
    parts = [m.SplitPartIn(quantity="500"), m.SplitPartIn(quantity="400")]
    split = sdk.api("batches", "batches_split").sync(
        client=bo, batch_id=batch.id, body=m.SplitIn(parts=parts, kind=m.SplitKind.REPACK)
    )
    assert isinstance(split, m.SplitOut)
    assert [c.split_kind for c in split.children] == [m.SplitKind.REPACK] * 2

    records = sdk.api("fsma", "fsma_records").sync_detailed(
        client=bo, product=product, format_=m.RecordsFormat.JSON
    )

    assert records.status_code == 200
    assert records.headers["Content-Disposition"] == 'attachment; filename="fsma204-records.json"'
    rows = records.parsed
    assert all(isinstance(row, m.RecordRowOut) for row in rows)
    assert [row.cte for row in rows] == [
        "harvesting", "shipping", "receiving", "transformation", "transformation",
    ]  # fmt: skip
    assert rows[1].reference_document_number == "BOL-7"


def test_epcis_query_and_capture_through_the_generated_client(sdk: Sdk) -> None:
    m, events = sdk.models, "events"
    _, ana = _person(sdk)
    batch = sdk.api("batches", "batches_create").sync(
        client=ana,
        body=m.BatchIn.from_dict(
            {"product": "avocado", "origin": {"farm": "La Loma", "country": "MX"},
             "harvest_date": "2031-05-01", "quantity": "900", "unit": "kg",
             "gtin": "07038010000065"}
        ),
    )  # fmt: skip
    lot = f"https://id.gs1.org/01/07038010000065/10/{batch.code}"

    found = sdk.api(events, "epcis_query_events").sync_detailed(client=ana, match_any_epc_class=lot)
    assert found.status_code == 200
    assert isinstance(found.parsed, m.EpcisQueryDocumentOut)
    (registration,) = found.parsed.to_dict()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"
    ]
    one = sdk.api(events, "epcis_query_event").sync_detailed(
        client=ana, event_id=registration["eventID"]
    )
    assert one.status_code == 200
    assert isinstance(one.parsed, m.EpcisQueryDocumentOut)

    observed = {
        "type": "ObjectEvent",
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "conformant",
        "quantityList": [{"epcClass": lot, "quantity": 900, "uom": "KGM"}],
    }
    document = m.CaptureIn.from_dict(
        {"@context": [EPCIS_CONTEXT_URL], "type": "EPCISDocument", "schemaVersion": "2.0",
         "creationDate": observed["eventTime"], "epcisBody": {"eventList": [observed]}}
    )  # fmt: skip
    capture = sdk.api(events, "epcis_capture")
    sent = capture.sync_detailed(client=ana, body=document)
    assert sent.status_code == 202
    assert isinstance(sent.parsed, m.CaptureJobOut)
    job = sent.parsed.to_dict()
    assert job["success"] is True
    again = sdk.api(events, "epcis_capture_get").sync_detailed(
        client=ana, capture_id=job["captureID"]
    )
    assert isinstance(again.parsed, m.CaptureJobOut)
    assert again.parsed.to_dict() == job
    # The same event twice is refused, as the error model.
    twice = capture.sync_detailed(client=ana, body=document)
    assert twice.status_code == 400
    assert isinstance(twice.parsed, m.ErrorOut)


def test_webhooks_through_the_generated_client(sdk: Sdk) -> None:
    m = sdk.models
    _, ana = _person(sdk)
    made = sdk.api("webhooks", "webhooks_create").sync(
        client=ana,
        body=m.WebhookIn.from_dict(
            {"url": "https://erp.partner.example/hooks", "event_types": ["batch.shipped"]}
        ),
    )
    assert isinstance(made, m.WebhookOut)
    assert made.secret.startswith("whsec_")
    listed = sdk.api("webhooks", "webhooks_list").sync(client=ana)
    assert isinstance(listed, m.WebhookList)
    assert [w.id for w in listed.data] == [made.id]
    rotated = sdk.api("webhooks", "webhooks_rotate_secret").sync(client=ana, webhook_id=made.id)
    assert isinstance(rotated, m.WebhookOut)
    assert rotated.secret != made.secret
    paused = sdk.api("webhooks", "webhooks_pause").sync(client=ana, webhook_id=made.id)
    assert isinstance(paused, m.WebhookOut)
    assert paused.state.value == "paused"
    log = sdk.api("webhooks", "webhooks_deliveries").sync(client=ana, webhook_id=made.id)
    assert isinstance(log, m.DeliveryPage)
    assert log.data == []
    replayed = sdk.api("webhooks", "webhooks_replay").sync(
        client=ana,
        webhook_id=made.id,
        body=m.ReplayIn.from_dict(
            {"since": "2026-10-01T00:00:00Z", "until": "2026-10-02T00:00:00Z"}
        ),
    )
    assert isinstance(replayed, m.ReplayOut)
    deleted = sdk.api("webhooks", "webhooks_delete").sync_detailed(client=ana, webhook_id=made.id)
    assert deleted.status_code == 204


def test_errors_parse_as_the_error_model(sdk: Sdk) -> None:
    m = sdk.models
    anonymous = sdk.anonymous()
    email = f"bo-{uuid.uuid4().hex[:8]}@example.com"
    register = sdk.api("auth", "auth_register")
    body = m.RegisterIn(email=email, password=PASSWORD, full_name="Bo")
    assert register.sync_detailed(client=anonymous, body=body).status_code == 201

    duplicate = register.sync_detailed(client=anonymous, body=body)
    assert duplicate.status_code == 409
    assert isinstance(duplicate.parsed, m.ErrorOut)
    assert duplicate.parsed.error.code == m.ErrorBodyCode.CONFLICT
    assert duplicate.parsed.error.request_id == duplicate.headers["X-Request-ID"]

    weak = register.sync_detailed(
        client=anonymous,
        body=m.RegisterIn(email="x" + email, password="password", full_name="Bo"),
    )
    assert weak.status_code == 422
    assert [d.field for d in weak.parsed.error.details] == ["password"]

    wrong = sdk.api("auth", "auth_login").sync_detailed(
        client=anonymous, body=m.LoginIn(email=email, password="not the password")
    )
    assert wrong.status_code == 401
    assert wrong.parsed.error.code == m.ErrorBodyCode.UNAUTHORIZED

    tokens = sdk.api("auth", "auth_login").sync(
        client=anonymous, body=m.LoginIn(email=email, password=PASSWORD)
    )
    bo = sdk.authenticated(tokens.access_token)
    missing = sdk.api("batches", "batches_get").sync_detailed(client=bo, batch_id=uuid.uuid4())
    assert missing.status_code == 404
    assert missing.parsed.error.code == m.ErrorBodyCode.NOT_FOUND

    batch = sdk.api("batches", "batches_create").sync(
        client=bo,
        body=m.BatchIn.from_dict(
            {
                "product": "cacao",
                "origin": {"farm": "El Sol", "country": "PE"},
                "harvest_date": "2026-03-01",
                "quantity": "80",
                "unit": "kg",
            }
        ),
    )
    illegal = sdk.api("batches", "batches_change_status").sync_detailed(
        client=bo, batch_id=batch.id, body=m.StatusIn(status=m.BatchStatus.DELIVERED)
    )
    assert illegal.status_code == 409
    assert illegal.parsed.error.code == m.ErrorBodyCode.CONFLICT

    audit = sdk.api("audit", "audit_list").sync_detailed(client=bo)
    assert audit.status_code == 403
    assert audit.parsed.error.code == m.ErrorBodyCode.FORBIDDEN


def test_probes_and_keys_parse(sdk: Sdk) -> None:
    m = sdk.models
    anonymous = sdk.anonymous()
    ready = sdk.api("health", "health_ready").sync(client=anonymous)
    assert isinstance(ready, m.ReadyOut)
    assert ready.status == m.ReadyOutStatus.OK
    assert ready.checks.additional_properties == {
        "postgres": m.ReadyOutChecksAdditionalProperty.OK,
        "redis": m.ReadyOutChecksAdditionalProperty.OK,
    }
    jwks = sdk.api("keys", "keys_jwks").sync(client=anonymous)
    assert isinstance(jwks, m.JwksOut)
    assert jwks.keys[0].alg == "RS256"
