"""Tortoise models: the tables. Only the repositories in this package use them."""

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.contrib.postgres.indexes import GinIndex
from tortoise.indexes import Index
from tortoise.models import Model

from api.domain.batches import BatchStatus, SplitKind, Unit
from api.domain.organisations import MemberRole
from api.domain.transactions import EventType, TxStatus
from api.domain.users import Role


class UserRow(Model):
    id = fields.UUIDField(primary_key=True)
    # Stored folded to lower case; the unique index therefore holds case-insensitively.
    email = fields.CharField(max_length=320, unique=True)
    full_name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16)
    password_hash = fields.CharField(max_length=255)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "users"


class OrganisationRow(Model):
    # A person's own organisation, made when they register, shares their id.
    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    # Unknown for a person's own organisation until they say.
    country = fields.CharField(max_length=2, null=True)
    phone = fields.CharField(max_length=32, null=True)
    # The party's GLN (GS1 AI 417): what shipments to it may name it by.
    gln = fields.CharField(max_length=13, null=True, unique=True)
    produces = fields.BooleanField(default=False)
    buys = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "organisations"


class MembershipRow(Model):
    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="memberships", on_delete=fields.RESTRICT
    )
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="memberships", on_delete=fields.RESTRICT
    )
    role = fields.CharEnumField(MemberRole, max_length=16)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "memberships"
        unique_together = (("organisation_id", "user_id"),)
        indexes = (Index(fields=("user_id", "created_at")),)


class InvitationRow(Model):
    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="invitations", on_delete=fields.RESTRICT
    )
    # Only the person with this email may accept it (folded to lower case).
    email = fields.CharField(max_length=320)
    role = fields.CharEnumField(MemberRole, max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by = fields.UUIDField()
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    accepted_by = fields.UUIDField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitations"
        indexes = (Index(fields=("organisation_id", "created_at")),)


class LocationRow(Model):
    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="locations", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=16)
    street = fields.CharField(max_length=200, null=True)
    city = fields.CharField(max_length=100, null=True)
    region = fields.CharField(max_length=100, null=True)
    postal_code = fields.CharField(max_length=20, null=True)
    country = fields.CharField(max_length=2)
    latitude = fields.DecimalField(max_digits=9, decimal_places=6, null=True)
    longitude = fields.DecimalField(max_digits=9, decimal_places=6, null=True)
    phone = fields.CharField(max_length=32, null=True)
    gln = fields.CharField(max_length=13, null=True)
    # GS1 AI 254: one field of a farm that has the farm's GLN.
    gln_extension = fields.CharField(max_length=20, null=True)
    parent: fields.ForeignKeyNullableRelation["LocationRow"] = fields.ForeignKeyField(
        "models.LocationRow", related_name="children", on_delete=fields.RESTRICT, null=True
    )
    # Locations are archived, never deleted: events refer to them.
    archived_at = fields.DatetimeField(null=True)
    created_by = fields.UUIDField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "locations"
        indexes = (Index(fields=("organisation_id", "created_at", "id")),)


class ApiClientRow(Model):
    """An organisation's system calling the API without a person (OAuth client credentials)."""

    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="clients", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=100)
    scopes: fields.Field[list[str]] = fields.JSONField(default=list)
    # client_secret_basic or private_key_jwt
    auth_method = fields.CharField(max_length=32)
    # The public JWK a private_key_jwt client signs its assertions with.
    public_key: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    rate_limit_per_minute = fields.IntField(null=True)
    created_by = fields.UUIDField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_clients"
        indexes = (Index(fields=("organisation_id", "created_at", "id")),)


class ClientSecretRow(Model):
    id = fields.UUIDField(primary_key=True)
    client: fields.ForeignKeyRelation[ApiClientRow] = fields.ForeignKeyField(
        "models.ApiClientRow", related_name="secrets", on_delete=fields.RESTRICT
    )
    # Secrets are long random values: a SHA-256 is enough to store them.
    secret_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "client_secrets"
        indexes = (Index(fields=("client_id", "created_at")),)


class BatchRow(Model):
    id = fields.UUIDField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    # The organisation that owns it, and the person or client that registered it.
    owner: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="batches", on_delete=fields.RESTRICT
    )
    created_by = fields.UUIDField(null=True)
    product = fields.CharField(max_length=100)
    variety = fields.CharField(max_length=100, null=True)
    origin_farm = fields.CharField(max_length=200)
    origin_region = fields.CharField(max_length=200, null=True)
    origin_country = fields.CharField(max_length=2)
    harvest_date = fields.DateField()
    quantity = fields.DecimalField(max_digits=14, decimal_places=3)
    unit = fields.CharEnumField(Unit, max_length=4)
    status = fields.CharEnumField(BatchStatus, max_length=16, default=BatchStatus.REGISTERED)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    # Custody: the buyer organisation it was shipped to. Lineage: the lot it was split from.
    recipient: fields.ForeignKeyNullableRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow",
        related_name="received_batches",
        on_delete=fields.RESTRICT,
        null=True,
    )
    origin_location: fields.ForeignKeyNullableRelation[LocationRow] = fields.ForeignKeyField(
        "models.LocationRow", related_name="origin_of", on_delete=fields.RESTRICT, null=True
    )
    # Where its current shipment left from and goes to.
    ship_from: fields.ForeignKeyNullableRelation[LocationRow] = fields.ForeignKeyField(
        "models.LocationRow", related_name="shipped_from", on_delete=fields.RESTRICT, null=True
    )
    ship_to: fields.ForeignKeyNullableRelation[LocationRow] = fields.ForeignKeyField(
        "models.LocationRow", related_name="shipped_to", on_delete=fields.RESTRICT, null=True
    )
    parent: fields.ForeignKeyNullableRelation["BatchRow"] = fields.ForeignKeyField(
        "models.BatchRow", related_name="children", on_delete=fields.RESTRICT, null=True
    )
    farm_public = fields.BooleanField(default=False)
    # What the public page answers to: the code, or a client's code and a random suffix.
    public_code = fields.CharField(max_length=48, unique=True)
    # When the lot became public (shipped, split from a public lot, published); null: not public.
    published_at = fields.DatetimeField(null=True)
    # The product's GTIN, as 14 digits (a sub-lot has its parent's): names the lot in EPCIS.
    gtin = fields.CharField(max_length=14, null=True)
    # A sub-lot: why its parent was split (divide: it keeps the lot's FSMA 204 lot code;
    # repack: a new lot). Null for lots not split from another and for sub-lots split before
    # the kind was recorded.
    split_kind = fields.CharEnumField(SplitKind, max_length=8, null=True)
    # The chain's verification, made when the chain last changed, and what it was made over
    # (its events' row versions and its anchors): the public view answers with it while the
    # rows are still those very rows, and checks the chain itself otherwise.
    chain_verdict: fields.Field[dict[str, object] | None] = fields.JSONField(null=True)
    chain_basis = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "batches"
        indexes = (
            # What was shipped to a buyer, newest first.
            Index(fields=("recipient_id", "created_at", "id")),
            # The caller's batches, newest first, optionally by status.
            Index(fields=("owner_id", "created_at", "id")),
            Index(fields=("owner_id", "status", "created_at")),
            # Auditors and admins page through everything.
            Index(fields=("created_at", "id")),
        )


class TransactionRow(Model):
    id = fields.UUIDField(primary_key=True)
    batch: fields.ForeignKeyRelation[BatchRow] = fields.ForeignKeyField(
        "models.BatchRow", related_name="transactions", on_delete=fields.RESTRICT
    )
    network = fields.CharField(max_length=64)
    tx_hash = fields.CharField(max_length=66, unique=True)
    event_type = fields.CharEnumField(EventType, max_length=32)
    block_number = fields.BigIntField(null=True)
    status = fields.CharEnumField(TxStatus, max_length=16, default=TxStatus.PENDING)
    payload_hash = fields.CharField(max_length=64, null=True)
    # Who recorded it: a person or a machine client, for an organisation.
    created_by = fields.UUIDField(null=True)
    organisation_id = fields.UUIDField(null=True)
    # The batch event this transaction vouches for (its hash).
    anchor_hash = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    confirmed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "transactions"
        indexes = (Index(fields=("batch_id", "created_at", "id")),)


class BatchEventRow(Model):
    """A batch's hash-chained history; append-only (the database refuses changes)."""

    id = fields.BigIntField(primary_key=True)
    batch: fields.ForeignKeyRelation[BatchRow] = fields.ForeignKeyField(
        "models.BatchRow", related_name="events", on_delete=fields.RESTRICT
    )
    seq = fields.IntField()
    type = fields.CharField(max_length=32)
    at = fields.DatetimeField()
    actor_role = fields.CharField(max_length=16)
    # Who acted, for which organisation: outside the hash, and never published.
    actor_id = fields.UUIDField(null=True)
    organisation_id = fields.UUIDField(null=True)
    data: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)
    # The secret 32 bytes (hex) of the data's commitment; never published.
    salt = fields.CharField(max_length=64)
    # The hash an event had before the chain was salted (what earlier anchors vouch for).
    legacy_hash = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "batch_events"
        unique_together = (("batch_id", "seq"),)
        # FSMA 204 records page through the events of a time range in time order.
        indexes = (Index(fields=("at", "id")),)


class EpcisEventRow(Model):
    """A batch event's GS1 EPCIS 2.0 form; append-only (the database refuses changes)."""

    # Frozen in the transaction that appends the batch event and never rewritten: its eventID
    # is the hash of it (docs/standards.md, "Freezing").

    id = fields.BigIntField(primary_key=True)
    batch: fields.ForeignKeyRelation[BatchRow] = fields.ForeignKeyField(
        "models.BatchRow", related_name="epcis_events", on_delete=fields.RESTRICT
    )
    # The seq of the batch event it is the form of; null for a captured observation, which
    # drove no event of ours.
    seq = fields.IntField(null=True)
    # `ni:///sha-256;<hex>?ver=CBV2.0`, the event's own eventID.
    event_id = fields.CharField(max_length=128, unique=True)
    event: fields.Field[dict[str, object]] = fields.JSONField()
    # When it was frozen (its EPCIS recordTime).
    created_at = fields.DatetimeField()
    # Read from the event when it is stored, for queries (api/domain/epcis/query.py keys_of).
    event_type = fields.CharField(max_length=64)
    # In UTC; with `id`, the order query pages walk.
    event_time = fields.DatetimeField()
    biz_step = fields.CharField(max_length=512, null=True)
    disposition = fields.CharField(max_length=512, null=True)
    # Every epcClass of its quantity lists (GIN-indexed by the migration).
    epc_classes = ArrayField(element_type="text", default=list)
    # The capture that brought it, for an event a trading partner sent.
    capture: fields.ForeignKeyNullableRelation["EpcisCaptureRow"] = fields.ForeignKeyField(
        "models.EpcisCaptureRow", related_name="events", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "epcis_events"
        unique_together = (("batch_id", "seq"),)
        indexes = (Index(fields=("event_time", "id")), GinIndex(fields=("epc_classes",)))


class EpcisCaptureRow(Model):
    """An EPCIS capture job (GS1's REST binding); append-only. Captures run within the request,
    all or nothing: a stored job is finished and succeeded."""

    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="epcis_captures", on_delete=fields.RESTRICT
    )
    # The person or the machine client that sent it.
    captured_by = fields.UUIDField()
    by_client = fields.BooleanField()
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    running = fields.BooleanField()
    success = fields.BooleanField()
    errors: fields.Field[list[object]] = fields.JSONField()
    # The eventIDs stored, in the document's order.
    event_ids: fields.Field[list[str]] = fields.JSONField()
    event_count = fields.IntField()

    class Meta:
        table = "epcis_captures"


class RefreshTokenRow(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="refresh_tokens", on_delete=fields.CASCADE
    )
    # A session is a family of refresh tokens that replace each other.
    family_id = fields.UUIDField(db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    session_expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    # Where the session was last used from, for the user's list of sessions.
    ip = fields.CharField(max_length=45, null=True)
    user_agent = fields.CharField(max_length=512, null=True)
    # The pair this token was exchanged for, encrypted with a key only the token itself gives:
    # a racing refresh within the grace window gets the same pair, not a second live token.
    successor = fields.TextField(null=True)
    # The organisation the session acts for (POST /auth/switch); null: the person's first.
    organisation_id = fields.UUIDField(null=True)

    class Meta:
        table = "refresh_tokens"
        indexes = (Index(fields=("user_id", "revoked_at")),)


class AuditLogRow(Model):
    id = fields.UUIDField(primary_key=True)
    at = fields.DatetimeField()
    # No foreign keys: the trail must outlive what it talks about.
    actor_id = fields.UUIDField(null=True)
    # The organisation the actor acted for; the machine client, when one acted.
    organisation_id = fields.UUIDField(null=True)
    client_id = fields.UUIDField(null=True)
    client_name = fields.CharField(max_length=100, null=True)
    action = fields.CharField(max_length=64)
    target_type = fields.CharField(max_length=32, null=True)
    target_id = fields.CharField(max_length=64, null=True)
    ip = fields.CharField(max_length=45, null=True)
    user_agent = fields.CharField(max_length=512, null=True)
    request_id = fields.CharField(max_length=128)
    # What the client sent as X-Request-ID: its own, never mistaken for ours.
    client_request_id = fields.CharField(max_length=128, null=True)
    metadata: fields.Field[dict[str, object]] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_logs"
        indexes = (
            Index(fields=("at", "id")),
            Index(fields=("actor_id", "at")),
            Index(fields=("target_id", "at")),
            Index(fields=("action", "at")),
            Index(fields=("organisation_id", "at")),
        )


class WebhookSubscriptionRow(Model):
    """An organisation's endpoint for webhooks (docs/API.md, "Webhooks")."""

    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[OrganisationRow] = fields.ForeignKeyField(
        "models.OrganisationRow", related_name="webhooks", on_delete=fields.RESTRICT
    )
    url = fields.CharField(max_length=2000)
    event_types: fields.Field[list[str]] = fields.JSONField()
    description = fields.CharField(max_length=200, null=True)
    state = fields.CharField(max_length=16)
    disabled_reason = fields.CharField(max_length=200, null=True)
    # The worker must sign with it, so it is kept as issued (docs/security.md, "Webhooks").
    secret = fields.CharField(max_length=64)
    # The secret a rotation replaced: it signs too until it expires.
    previous_secret = fields.CharField(max_length=64, null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    created_by = fields.UUIDField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "webhook_subscriptions"
        indexes = (Index(fields=("organisation_id", "created_at")),)


class WebhookEventRow(Model):
    """The outbox: a change partners may hear of, written in the change's own transaction;
    append-only."""

    id = fields.BigIntField(primary_key=True)
    # The Standard Webhooks `webhook-id`: the same on every retry and replay.
    message_id = fields.CharField(max_length=64, unique=True)
    type = fields.CharField(max_length=32)
    batch: fields.ForeignKeyRelation[BatchRow] = fields.ForeignKeyField(
        "models.BatchRow", related_name="webhook_events", on_delete=fields.RESTRICT
    )
    # The organisations entitled to hear of it: the lot's owner and its recipient.
    organisations = ArrayField(element_type="uuid")
    # The JSON body exactly as sent, so that every retry and replay sends the same bytes.
    body = fields.TextField()
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "webhook_events"


class WebhookDeliveryRow(Model):
    """One event for one subscription: pending until its endpoint acknowledges it."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[WebhookEventRow] = fields.ForeignKeyField(
        "models.WebhookEventRow", related_name="deliveries", on_delete=fields.RESTRICT
    )
    subscription: fields.ForeignKeyRelation[WebhookSubscriptionRow] = fields.ForeignKeyField(
        "models.WebhookSubscriptionRow", related_name="deliveries", on_delete=fields.CASCADE
    )
    # The event's lot, here too: a lot's deliveries to one endpoint go out in order.
    batch_id = fields.UUIDField()
    state = fields.CharField(max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    # A worker holds the delivery until then; after, another may take it.
    claimed_until = fields.DatetimeField(null=True)
    first_failed_at = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.CharField(max_length=200, null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_deliveries"
        indexes = (Index(fields=("subscription_id", "id")),)
