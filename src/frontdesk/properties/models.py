"""Property definitions: the custom conversation properties admins add (DESIGN 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.core.models import Base, IdMixin, TimestampMixin


class PropertyDefinition(IdMixin, TimestampMixin, Base):
    __tablename__ = "property_definitions"

    # The key in a thread's `properties` (lower_snake_case, stable once created).
    name: Mapped[str] = mapped_column(String(100), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    # string | number | bool | date | enumeration
    type: Mapped[str] = mapped_column(String(16))
    # For enumerations: [{"value": "...", "label": "..."}], in display order.
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
