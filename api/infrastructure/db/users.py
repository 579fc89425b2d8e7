from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from tortoise.expressions import Q

from api.application.pagination import Cursor
from api.application.ports import UserFilter
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


class PgUsers:
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

    @timed("db", "users.page")
    async def page(self, filters: UserFilter, after: Cursor | None, limit: int) -> Sequence[User]:
        query = UserRow.all()
        if filters.role is not None:
            query = query.filter(role=filters.role)
        if filters.is_active is not None:
            query = query.filter(is_active=filters.is_active)
        if after is not None:
            query = query.filter(
                Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.id)
            )
        rows = await query.order_by("-created_at", "-id").limit(limit)
        return [_to_user(row) for row in rows]

    @timed("db", "users.update")
    async def update(self, user_id: UUID, at: datetime, is_active: bool, role: Role) -> User:
        await UserRow.filter(id=user_id).update(is_active=is_active, role=role, updated_at=at)
        return _to_user(await UserRow.get(id=user_id))

    @timed("db", "users.active_admins_for_update")
    async def active_admins_for_update(self) -> list[UUID]:
        rows = await UserRow.filter(role=Role.ADMIN, is_active=True).select_for_update()
        return sorted(row.id for row in rows)
