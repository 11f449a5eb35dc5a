"""Contacts from delivery identifiers (DESIGN 3): scoping, creation races, names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from frontdesk.contacts import service as contact_service
from frontdesk.contacts.models import Contact, ContactIdentity
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError

PHONE = "+14155550199"


async def _count(db: Database, model: type[Contact] | type[ContactIdentity]) -> int:
    async with db.read() as uow:
        return int(await uow.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize(
    ("type_", "scope"),
    [
        ("HS_PHONE_NUMBER", 0),
        ("HS_EMAIL_ADDRESS", 0),
        ("HS_SHORT_CODE", 0),
        ("CHANNEL_SPECIFIC_OPAQUE_ID", 7),
    ],
)
def test_only_opaque_ids_are_scoped_to_their_channel(type_: str, scope: int) -> None:
    assert contact_service.identity_scope(type_, channel_id=7) == scope


@pytest.mark.asyncio
async def test_find_or_create_creates_once_and_then_finds(db: Database) -> None:
    async with db.transaction() as uow:
        created = await contact_service.find_or_create_contact(
            uow, type_="HS_PHONE_NUMBER", value=PHONE, channel_id=1, name="  Ada  "
        )
        found = await contact_service.find_or_create_contact(
            uow, type_="HS_PHONE_NUMBER", value=PHONE, channel_id=2, name="Other"
        )
    assert created.created
    assert created.name == "Ada"
    assert (found.id, found.name, found.created) == (created.id, "Ada", False)
    async with db.read() as uow:
        contact = (await uow.execute(select(Contact))).one()
    assert (contact.phone, contact.email) == (PHONE, None)


@pytest.mark.asyncio
async def test_opaque_ids_of_two_channels_are_two_contacts(db: Database) -> None:
    async with db.transaction() as uow:
        one = await contact_service.find_or_create_contact(
            uow, type_="CHANNEL_SPECIFIC_OPAQUE_ID", value="u1", channel_id=1, name=None
        )
        two = await contact_service.find_or_create_contact(
            uow, type_="CHANNEL_SPECIFIC_OPAQUE_ID", value="u1", channel_id=2, name=None
        )
        again = await contact_service.find_or_create_contact(
            uow, type_="CHANNEL_SPECIFIC_OPAQUE_ID", value="u1", channel_id=1, name=None
        )
    assert one.id != two.id
    assert again.id == one.id


@pytest.mark.asyncio
async def test_losing_the_creation_race_returns_the_winner_and_leaves_no_orphan(
    db: Database,
) -> None:
    async with db.transaction() as uow:
        winner = await contact_service.create_contact(
            uow, type_="HS_EMAIL_ADDRESS", value="ada@example.com", scope=0, name="Ada"
        )
    async with db.transaction() as uow:
        # What a transaction that looked the identity up just before the winner committed does.
        loser = await contact_service.create_contact(
            uow, type_="HS_EMAIL_ADDRESS", value="ada@example.com", scope=0, name="Ada 2"
        )
    assert (loser.id, loser.created) == (winner.id, False)
    assert await _count(db, Contact) == 1
    assert await _count(db, ContactIdentity) == 1


@pytest.mark.asyncio
async def test_attach_identity_never_steals_one(db: Database) -> None:
    async with db.transaction() as uow:
        owner = await contact_service.create_contact(
            uow, type_="HS_PHONE_NUMBER", value=PHONE, scope=0, name=""
        )
        other = await contact_service.create_contact(
            uow, type_="HS_PHONE_NUMBER", value="+14155550198", scope=0, name=""
        )
        attached = await contact_service.attach_identity(
            uow, contact_id=other.id, type_="HS_PHONE_NUMBER", value=PHONE, scope=0
        )
        found = await contact_service.find_contact(
            uow, type_="HS_PHONE_NUMBER", value=PHONE, scope=0
        )
    assert attached is False
    assert found is not None
    assert found.id == owner.id


@pytest.mark.asyncio
async def test_name_is_filled_only_when_empty(db: Database) -> None:
    async with db.transaction() as uow:
        nameless = await contact_service.create_contact(
            uow, type_="HS_PHONE_NUMBER", value=PHONE, scope=0, name=None
        )
        await contact_service.fill_contact_name(uow, contact=nameless, name="  ")
        await contact_service.fill_contact_name(uow, contact=nameless, name="Grace")
        named = await contact_service.get_contact(uow, contact_id=nameless.id, field_name="x")
        await contact_service.fill_contact_name(uow, contact=named, name="Someone")
        final = await contact_service.get_contact(uow, contact_id=nameless.id, field_name="x")
    assert named.name == final.name == "Grace"


@pytest.mark.asyncio
async def test_get_unknown_contact_names_the_field(db: Database) -> None:
    async with db.read() as uow:
        with pytest.raises(AppError) as caught:
            await contact_service.get_contact(uow, contact_id=424242, field_name="contactId")
    assert caught.value.status == 404
    assert [e.in_ for e in caught.value.errors] == ["contactId"]


@pytest.mark.asyncio
async def test_long_names_are_cut_to_the_column(db: Database) -> None:
    async with db.transaction() as uow:
        contact = await contact_service.create_contact(
            uow, type_="HS_PHONE_NUMBER", value=PHONE, scope=0, name="x" * 1000
        )
    assert len(contact.name) == contact_service.MAX_NAME_CHARS
