from datetime import datetime
from uuid import UUID, uuid4

from api.domain.users import Role, User
from api.infrastructure.db.errors import unique_as_conflict
from api.infrastructure.db.models import UserRow
from api.infrastructure.metrics import timed


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        full_name=row.full_name,
        role=Role(row.role),
        password_hash=row.password_hash,
        created_at=row.created_at,
        is_active=row.is_active,
    )


class TortoiseUsers:
    @timed("db", "users.add")
    async def add(
        self, email: str, full_name: str, role: Role, password_hash: str, at: datetime
    ) -> User:
        async with unique_as_conflict("an account with this email already exists"):
            row = await UserRow.create(
                id=uuid4(),
                email=email,
                full_name=full_name,
                role=role,
                password_hash=password_hash,
                created_at=at,
                updated_at=at,
            )
        return _to_user(row)

    @timed("db", "users.by_email")
    async def by_email(self, email: str) -> User | None:
        row = await UserRow.get_or_none(email=email)
        return _to_user(row) if row else None

    @timed("db", "users.by_id")
    async def by_id(self, user_id: UUID) -> User | None:
        row = await UserRow.get_or_none(id=user_id)
        return _to_user(row) if row else None

    @timed("db", "users.set_password_hash")
    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        await UserRow.filter(id=user_id).update(password_hash=password_hash)
