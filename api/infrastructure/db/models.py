"""Tortoise models: the tables. Only the repositories in this package use them."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from api.domain.batches import BatchStatus, Unit
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


class BatchRow(Model):
    id = fields.UUIDField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    owner: fields.ForeignKeyRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="batches", on_delete=fields.RESTRICT
    )
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
    # Custody: the buyer it was shipped to. Lineage: the lot it was split from.
    recipient: fields.ForeignKeyNullableRelation[UserRow] = fields.ForeignKeyField(
        "models.UserRow", related_name="received_batches", on_delete=fields.RESTRICT, null=True
    )
    parent: fields.ForeignKeyNullableRelation["BatchRow"] = fields.ForeignKeyField(
        "models.BatchRow", related_name="children", on_delete=fields.RESTRICT, null=True
    )
    farm_public = fields.BooleanField(default=False)
    # What the public page answers to: the code, or a client's code and a random suffix.
    public_code = fields.CharField(max_length=48, unique=True)
    # When the lot became public (shipped, split from a public lot, published); null: not public.
    published_at = fields.DatetimeField(null=True)

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

    class Meta:
        table = "refresh_tokens"
        indexes = (Index(fields=("user_id", "revoked_at")),)


class AuditLogRow(Model):
    id = fields.UUIDField(primary_key=True)
    at = fields.DatetimeField()
    # No foreign keys: the trail must outlive what it talks about.
    actor_id = fields.UUIDField(null=True)
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
        )
