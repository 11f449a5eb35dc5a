"""Snippets service: bodies sanitised with their text derived, variables filled (and escaped
in html), personal snippets private to their owner, shortcuts unique per owner scope."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from frontdesk.channels.capabilities import Capabilities
from frontdesk.contacts.models import Contact
from frontdesk.core.db import Database
from frontdesk.core.errors import AppError
from frontdesk.inserts import snippets
from frontdesk.inserts.registry import Target
from frontdesk.inserts.snippet_source import source as snippet_source
from frontdesk.inserts.snippets import Editor
from tests import factories
from tests.messages.thread_factories import setup_thread

RICH = Capabilities(richText=["BOLD", "HYPERLINK"])
PLAIN = Capabilities()


def _target(setup_agent: int, thread_id: int, contact_id: int, caps: Capabilities) -> Target:
    return Target(
        user_id=setup_agent,
        thread_id=thread_id,
        contact_id=contact_id,
        capabilities=caps,
        mode="reply",
        base_url="http://frontdesk.test",
    )


def test_a_body_is_sanitised_and_its_text_derived() -> None:
    html, text = snippets.clean_body(
        "<p>Hi <b>there</b><script>alert(1)</script></p><ul><li>one</li><li>two</li></ul>"
        '<p><a href="https://help.example/x" onclick="evil()">our guide</a></p>'
    )
    assert "script" not in html
    assert "onclick" not in html
    assert "<b>there</b>" in html
    assert text == "Hi there\n\n- one\n- two\n\nour guide (https://help.example/x)"


def test_plain_text_becomes_paragraphs_and_line_breaks() -> None:
    html, text = snippets.clean_body("Hello <you> & co\nline two\n\nBye")
    assert html == "<p>Hello &lt;you&gt; &amp; co<br>line two</p><p>Bye</p>"
    assert text == "Hello <you> & co\nline two\n\nBye"


@pytest.mark.parametrize(
    ("body", "shortcut", "name", "field"),
    [
        ("", "ok", "Name", "body"),
        ("<p> </p><script>x</script>", "ok", "Name", "body"),
        ("text", "has space", "Name", "shortcut"),
        ("text", "", "Name", "shortcut"),
        ("text", "ok", "  ", "name"),
    ],
)
@pytest.mark.asyncio
async def test_invalid_snippets_are_refused_naming_the_field(
    db: Database, body: str, shortcut: str, name: str, field: str
) -> None:
    user_id = await factories.create_user(db)
    with pytest.raises(AppError) as refused:
        async with db.transaction() as uow:
            await snippets.create_snippet(
                uow, editor=Editor(user_id, False), name=name, shortcut=shortcut, body=body
            )
    assert refused.value.status == 400
    assert refused.value.errors[0].in_ == field


@pytest.mark.asyncio
async def test_shortcuts_are_unique_per_owner_scope(db: Database) -> None:
    admin = Editor(await factories.create_user(db, role="admin"), True)
    ann = Editor(await factories.create_user(db), False)
    bob = Editor(await factories.create_user(db), False)
    async with db.transaction() as uow:
        shared = await snippets.create_snippet(
            uow, editor=admin, name="Hi", shortcut="#Greeting", body="Hello", shared=True
        )
        assert shared.shortcut == "greeting"
        assert shared.owner_id is None
        # The same shortcut may be personal to Ann and to Bob, beside the shared one.
        await snippets.create_snippet(uow, editor=ann, name="Mine", shortcut="greeting", body="x")
        await snippets.create_snippet(uow, editor=bob, name="Mine", shortcut="greeting", body="y")
    for editor, shared_flag in ((ann, False), (admin, True)):
        with pytest.raises(AppError) as taken:
            async with db.transaction() as uow:
                await snippets.create_snippet(
                    uow,
                    editor=editor,
                    name="Again",
                    shortcut="greeting",
                    body="z",
                    shared=shared_flag,
                )
        assert taken.value.status == 409
        assert taken.value.errors[0].in_ == "shortcut"
    async with db.transaction() as uow:
        other = await snippets.create_snippet(
            uow, editor=ann, name="Bye", shortcut="bye", body="Bye"
        )
    with pytest.raises(AppError) as renamed:
        async with db.transaction() as uow:
            await snippets.update_snippet(
                uow, editor=ann, snippet_id=other.id, changes={"shortcut": "greeting"}
            )
    assert renamed.value.status == 409


@pytest.mark.asyncio
async def test_personal_snippets_are_their_owners_alone(db: Database) -> None:
    admin = Editor(await factories.create_user(db, role="admin"), True)
    ann = Editor(await factories.create_user(db), False)
    bob = Editor(await factories.create_user(db), False)
    async with db.transaction() as uow:
        shared = await snippets.create_snippet(
            uow, editor=admin, name="Shared", shortcut="shared", body="s", shared=True
        )
        mine = await snippets.create_snippet(uow, editor=ann, name="Ann's", shortcut="a", body="a")
    async with db.read() as uow:
        assert [r.id for r in await snippets.list_snippets(uow, user_id=ann.user_id)] == [
            mine.id,
            shared.id,
        ]
        assert [r.id for r in await snippets.list_snippets(uow, user_id=bob.user_id)] == [shared.id]
        # Admins do not see others' personal snippets either.
        assert [r.id for r in await snippets.list_snippets(uow, user_id=admin.user_id)] == [
            shared.id
        ]
    for editor in (bob, admin):
        with pytest.raises(AppError) as hidden:
            async with db.transaction() as uow:
                await snippets.update_snippet(
                    uow, editor=editor, snippet_id=mine.id, changes={"name": "Taken"}
                )
        assert hidden.value.status == 404
    with pytest.raises(AppError) as agent_edits_shared:
        async with db.transaction() as uow:
            await snippets.delete_snippet(uow, editor=bob, snippet_id=shared.id)
    assert agent_edits_shared.value.status == 403
    with pytest.raises(AppError) as agent_shares:
        async with db.transaction() as uow:
            await snippets.create_snippet(
                uow, editor=bob, name="S", shortcut="s2", body="s", shared=True
            )
    assert agent_shares.value.status == 403


@pytest.mark.asyncio
async def test_search_matches_names_shortcuts_and_text(db: Database) -> None:
    ann = Editor(await factories.create_user(db), False)
    async with db.transaction() as uow:
        for name, shortcut, body in (
            ("Greeting", "greeting", "Hello there"),
            ("Refund policy", "refund", "Refunds take 5 days, 100% guaranteed"),
            ("Goodbye", "bye", "See you"),
        ):
            await snippets.create_snippet(uow, editor=ann, name=name, shortcut=shortcut, body=body)
    async with db.read() as uow:

        async def names(query: str) -> list[str]:
            rows = await snippets.list_snippets(uow, user_id=ann.user_id, query=query)
            return [r.name for r in rows]

        assert await names("#gr") == ["Greeting"]
        assert await names("#re") == ["Refund policy"]
        assert await names("days") == ["Refund policy"]
        assert await names("100%") == ["Refund policy"]
        assert await names("%") == ["Refund policy"]
        assert await names("bye") == ["Goodbye"]
        assert await names("") == ["Goodbye", "Greeting", "Refund policy"]


@pytest.mark.asyncio
async def test_variables_are_filled_and_escaped_in_html(db: Database) -> None:
    setup = await setup_thread(db, messages=0)
    async with db.transaction() as uow:
        await uow.execute(
            update(Contact)
            .where(Contact.id == setup.contact_id)
            .values(name="Ada <b>Lovelace</b>", email="ada@example.com")
        )
        row = await snippets.create_snippet(
            uow,
            editor=Editor(setup.agent_id, False),
            name="Hi",
            shortcut="hi",
            body=(
                "<p>Hi {{contact.firstname}} {{ contact.lastname }} ({{contact.email}}),"
                " {{agent.firstname}} here about #{{conversation.id}}.{{unknown.thing}}</p>"
            ),
        )
    target = _target(setup.agent_id, setup.thread_id, setup.contact_id, RICH)
    async with db.read() as uow:
        rich = await snippet_source.render(uow, target=target, item_id=str(row.id))
        plain = await snippet_source.render(
            uow,
            target=_target(setup.agent_id, setup.thread_id, setup.contact_id, PLAIN),
            item_id=str(row.id),
        )
    expected = f"Hi Ada <b>Lovelace</b> (ada@example.com), Grace here about #{setup.thread_id}."
    assert rich.text == expected
    assert rich.html == (
        "<p>Hi Ada &lt;b&gt;Lovelace&lt;/b&gt; (ada@example.com), Grace here about "
        f"#{setup.thread_id}.</p>"
    )
    assert plain.text == expected
    assert plain.html is None


@pytest.mark.asyncio
async def test_someone_elses_personal_snippet_does_not_render(db: Database) -> None:
    setup = await setup_thread(db, messages=0)
    async with db.transaction() as uow:
        row = await snippets.create_snippet(
            uow, editor=Editor(setup.outsider_id, False), name="X", shortcut="x", body="x"
        )
    target = _target(setup.agent_id, setup.thread_id, setup.contact_id, RICH)
    with pytest.raises(AppError) as hidden:
        async with db.read() as uow:
            await snippet_source.render(uow, target=target, item_id=str(row.id))
    assert hidden.value.status == 404
