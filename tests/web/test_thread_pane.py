"""The conversation pane and its sidebar (issue 4): the fragments our scripts fetch, who may
see them, media, the capability-shaped composer, and escaping."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from frontdesk.channels.models import ChannelAccount
from frontdesk.contacts.models import Contact
from frontdesk.conversations.models import Thread
from frontdesk.core.db import Database
from frontdesk.demo import media
from frontdesk.messages.models import Message
from tests.factories import bearer, create_personal_token
from tests.messages.thread_factories import BASE_MS, add_message, setup_thread
from tests.web.conftest import SignIn, WebUser
from tests.web.thread_world import (
    CAPABILITIES,
    THREADS,
    ThreadWorld,
    build_world,
    publish,
    publish_media,
    upload_file,
)

pytestmark = pytest.mark.asyncio
FRAGMENT = {"X-Frontdesk-Fragment": "1"}


async def pane(user: WebUser, thread_id: int) -> str:
    response = await user.client.get(f"/inbox/fragments/threads/{thread_id}", headers=FRAGMENT)
    assert response.status_code == 200, response.text
    return response.text


def articles(html: str) -> list[str]:
    return re.findall(r'<article [^>]*data-message-id="(\d+)"', html)


async def world_with_agent(
    db: Database, client: httpx.AsyncClient, web_user: SignIn, **world: Any
) -> tuple[ThreadWorld, WebUser]:
    built = await build_world(db, **world)
    await publish(client, built, "Hi, my parcel arrived damaged.")
    return built, await web_user(teams=[built.team], name="Grace Hopper")


# --- the panes ----------------------------------------------------------------------------


async def test_thread_fragment_has_both_panes_with_header_and_sidebar(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, grace = await world_with_agent(db, client, web_user)
    alan = await web_user(teams=[world.team], name="Alan Turing")
    await web_user(name="Somebody Else")  # not in the inbox's team: not an owner choice
    html = await pane(grace, world.thread_id)

    thread_pane, _, sidebar = html.partition('<div data-pane="sidebar">')
    assert thread_pane.startswith('<div data-pane="thread"><div class="conversation"')
    assert f'data-thread-id="{world.thread_id}"' in thread_pane
    assert '<h2 class="conv-title">Marie Curie</h2>' in thread_pane
    assert "Chatterbox · Support line" in thread_pane
    assert '<span class="status-badge" data-status="OPEN">Open</span>' in thread_pane
    owners = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', thread_pane)
    assert owners == [
        ("", "Unassigned"),
        (str(alan.user_id), "Alan Turing"),
        (str(grace.user_id), "Grace Hopper (you)"),
    ]
    assert 'data-next="CLOSED"' in thread_pane
    assert articles(thread_pane) == [str(i) for i in world.message_ids]
    assert 'data-format="day"' in thread_pane
    assert world.contact_phone in sidebar
    assert "No other conversations with Marie Curie." in sidebar


async def test_header_and_history_show_assignment_and_status_changes(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, grace = await world_with_agent(db, client, web_user)
    alan = await web_user(teams=[world.team], name="Alan Turing")
    assigned = await grace.client.put(
        f"{THREADS}/{world.thread_id}/assignee",
        json={"actorId": f"A-{alan.user_id}"},
        headers=grace.headers(),
    )
    assert assigned.status_code == 200, assigned.text
    closed = await grace.client.patch(
        f"{THREADS}/{world.thread_id}", json={"status": "CLOSED"}, headers=grace.headers()
    )
    assert closed.status_code == 200, closed.text

    html = await pane(alan, world.thread_id)
    assert f'<option value="{alan.user_id}" selected>Alan Turing (you)</option>' in html
    assert '<span class="assignment-text">Assigned by Grace Hopper</span>' in html
    assert "Grace Hopper assigned the conversation to Alan Turing" in html
    assert "Grace Hopper closed the conversation" in html
    assert '<span class="status-badge" data-status="CLOSED">Closed</span>' in html
    assert 'data-next="OPEN"' in html
    assert '<dd class="prop-assignee">Alan Turing</dd>' in html


async def test_previous_conversations_link_to_the_contacts_other_threads(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, grace = await world_with_agent(db, client, web_user)
    first = world.thread_id
    world.integration_thread_id = "another-chat"
    await publish(client, world, "One more thing about my other order")
    assert world.thread_id != first
    html = await pane(grace, world.thread_id)
    assert f'href="/inbox/threads/{first}" data-thread-link="{first}"' in html
    assert "Hi, my parcel arrived damaged." in html.partition('class="previous"')[2]


async def test_an_agent_outside_the_inbox_team_gets_404_everywhere(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, _grace = await world_with_agent(db, client, web_user)
    outsider = await web_user(teams=[], name="Outsider")
    message_id = world.message_ids[0]
    for path in (
        f"/inbox/fragments/threads/{world.thread_id}",
        f"/inbox/fragments/threads/{world.thread_id}/messages?before={message_id}",
        f"/inbox/fragments/messages/{message_id}",
        "/inbox/fragments/threads/999999",
        "/inbox/fragments/messages/999999",
    ):
        response = await outsider.client.get(path, headers=FRAGMENT)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["category"] == "OBJECT_NOT_FOUND"
        assert "Marie" not in response.text
    admin = await web_user(role="admin", name="Admin")
    assert articles(await pane(admin, world.thread_id)) == [str(message_id)]


async def test_fragments_need_a_session(client: httpx.AsyncClient, db: Database) -> None:
    setup = await setup_thread(db, messages=1)
    for path in (
        f"/inbox/fragments/threads/{setup.thread_id}",
        f"/inbox/fragments/messages/{setup.message_ids[0]}",
    ):
        response = await client.get(path, headers=FRAGMENT)
        assert response.status_code == 401
        token = await create_personal_token(db, user_id=setup.agent_id)
        with_token = await client.get(path, headers=FRAGMENT | bearer(token))
        assert with_token.status_code == 401  # pages take the session cookie only


# --- messages -----------------------------------------------------------------------------


async def test_the_newest_200_messages_then_older_pages_and_catch_up(
    db: Database, web_user: SignIn
) -> None:
    setup = await setup_thread(db, messages=205)
    agent = await web_user(teams=[setup.team])
    html = await pane(agent, setup.thread_id)
    shown = articles(html)
    assert shown == [str(i) for i in setup.message_ids[5:]]
    assert f'data-action="older" data-before="{setup.message_ids[5]}"' in html

    older = await agent.client.get(
        f"/inbox/fragments/threads/{setup.thread_id}/messages?before={setup.message_ids[5]}",
        headers=FRAGMENT,
    )
    assert older.status_code == 200
    assert articles(older.text) == [str(i) for i in setup.message_ids[:5]]
    assert 'data-action="older"' not in older.text

    later = await agent.client.get(
        f"/inbox/fragments/threads/{setup.thread_id}/messages?after={setup.message_ids[-3]}",
        headers=FRAGMENT,
    )
    assert articles(later.text) == [str(i) for i in setup.message_ids[-2:]]
    both = await agent.client.get(
        f"/inbox/fragments/threads/{setup.thread_id}/messages?after=1&before=2", headers=FRAGMENT
    )
    assert both.status_code == 400


async def test_outgoing_messages_show_their_delivery_status(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=1)
    agent = await web_user(teams=[setup.team])
    ids = {}
    for status, failure in (("PENDING", None), ("SENT", None), ("READ", None), ("FAILED", "x")):
        ids[status] = await add_message(
            db,
            thread_id=setup.thread_id,
            created_at=BASE_MS + 5000,
            text=f"reply {status}",
            direction="OUTGOING",
            channel_id=setup.channel_id,
            channel_account_id=setup.account_id,
            created_by=f"A-{agent.user_id}",
        )
        async with db.transaction() as uow:
            await uow.execute(
                update(Message)
                .where(Message.id == ids[status])
                .values(status=status, failure_message="Number blocked <b>" if failure else None)
            )
    labels = {"PENDING": "Sending…", "SENT": "Sent", "READ": "Read", "FAILED": "Failed"}
    for status, message_id in ids.items():
        response = await agent.client.get(
            f"/inbox/fragments/messages/{message_id}", headers=FRAGMENT
        )
        html = response.text
        assert response.status_code == 200
        assert html.count("<article") == 1
        assert f'data-message-id="{message_id}"' in html
        assert f'data-status="{status}"' in html
        assert f'<span class="delivery-label">{labels[status]}</span>' in html
    failed = (await agent.client.get(f"/inbox/fragments/messages/{ids['FAILED']}")).text
    assert '<span class="delivery-reason">: Number blocked &lt;b&gt;</span>' in failed


async def test_comments_are_marked_and_have_no_delivery_status(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, grace = await world_with_agent(db, client, web_user)
    sent = await grace.client.post(
        f"{THREADS}/{world.thread_id}/messages",
        json={"type": "COMMENT", "text": "VIP customer", "attachments": []},
        headers=grace.headers(),
    )
    assert sent.status_code == 201, sent.text
    html = (await grace.client.get(f"/inbox/fragments/messages/{sent.json()['id']}")).text
    assert 'class="msg msg-comment msg-mine"' in html
    assert "Internal note" in html
    assert "delivery" not in html


async def test_text_and_rich_text_never_reach_the_page_unescaped(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world = await build_world(db, contact_name="<b>Eve</b> <script>x()</script>")
    await publish(client, world, "<script>alert('text')</script> see https://example.com/a?b=1&c=2")
    await publish(
        client,
        world,
        "rich",
        rich_text='<b>bold</b><img src="x" onerror="alert(1)"><script>alert(2)</script>'
        '<a href="javascript:alert(3)">link</a>',
    )
    agent = await web_user(teams=[world.team])
    html = await pane(agent, world.thread_id)
    assert "<script>" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">'
        in html
    )
    assert "<b>bold</b>" in html  # the stored, sanitised rich text is rendered as HTML
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html


async def test_media_kinds_render_their_own_elements(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, agent = await world_with_agent(db, client, web_user)
    kinds = await publish_media(client, world)
    odd = await upload_file(client, world, media.invoice_pdf(), "photo.pdf")
    mislabelled = await publish(
        client, world, "", attachments=[{"type": "FILE", "fileId": odd, "fileUsageType": "IMAGE"}]
    )

    async def article(message_id: int) -> str:
        response = await agent.client.get(f"/inbox/fragments/messages/{message_id}")
        assert response.status_code == 200
        return response.text

    image = await article(kinds["image"])
    url = re.search(r'<img src="(/files/v3/files/\d+/content)" alt="sunset.png"', image)
    assert url, image
    assert 'data-action="enlarge"' in image
    assert "media-only" in image  # a picture alone has no bubble
    assert 'class="att att-sticker"' in await article(kinds["sticker"])
    voice = await article(kinds["voice"])
    assert "<audio controls" in voice
    assert "Voice note" in voice
    assert "<audio controls" in await article(kinds["audio"])
    assert "<video controls" in await article(kinds["video"])
    pdf = await article(kinds["file"])
    assert 'download="invoice.pdf"' in pdf
    assert re.search(r'<span class="file-size">\d+\.\d KB</span>', pdf)
    assert 'class="att att-file"' in await article(mislabelled)  # not an image: a download

    content = await agent.client.get(url.group(1))  # the session cookie authenticates it
    assert content.status_code == 200
    assert content.headers["content-type"] == "image/png"


# --- the composer -------------------------------------------------------------------------


def buttons(html: str) -> list[str]:
    return re.findall(r'data-command="(\w+)"', html)


async def test_composer_offers_only_the_formatting_the_channel_delivers(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, agent = await world_with_agent(
        db,
        client,
        web_user,
        capabilities=CAPABILITIES | {"richText": ["BOLD", "LISTS"], "allowInlineImages": True},
    )
    html = await pane(agent, world.thread_id)
    assert buttons(html) == ["bold", "insertUnorderedList", "insertOrderedList"]
    assert 'data-reply-tags="b,br,div,img,li,ol,p,strong,ul"' in html
    assert 'data-action="inline-image"' in html
    assert 'contenteditable="true"' in html

    plain, agent2 = await world_with_agent(
        db, client, web_user, capabilities=CAPABILITIES | {"richText": []}
    )
    html = await pane(agent2, plain.thread_id)
    assert buttons(html) == []
    assert 'data-action="inline-image"' not in html
    assert '<textarea class="editor editor-plain"' in html
    assert 'data-rich="false"' in html


async def test_composer_carries_the_channels_file_limits(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, agent = await world_with_agent(
        db,
        client,
        web_user,
        capabilities=CAPABILITIES | {"maxTotalFileAttachmentSizeBytes": 1_500_000},
    )
    html = await pane(agent, world.thread_id)
    assert 'data-files-allowed="true"' in html
    assert 'data-max-files="2"' in html
    assert 'data-max-file-bytes="1000000"' in html
    assert 'data-max-total-bytes="1500000"' in html
    assert 'data-mime-types="image/png,image/jpeg,application/pdf"' in html

    no_files, agent2 = await world_with_agent(
        db, client, web_user, capabilities=CAPABILITIES | {"outgoingAttachmentTypes": []}
    )
    html = await pane(agent2, no_files.thread_id)
    assert 'data-files-allowed="false"' in html
    assert 'data-max-files="0"' in html


@pytest.mark.parametrize(
    ("change", "reason", "comments"),
    [
        (
            "receive_only",
            "Chatterbox only receives messages: replies cannot be sent over it.",
            True,
        ),
        ("deactivated", "The account Support line is deactivated", True),
        ("archived_account", "The account Support line is archived", True),
        ("unauthorized", "The account Support line is not authorized", True),
        ("archived_thread", "This conversation is archived: restore it", False),
    ],
)
async def test_composer_explains_why_replies_cannot_be_sent(
    db: Database,
    client: httpx.AsyncClient,
    web_user: SignIn,
    change: str,
    reason: str,
    comments: bool,
) -> None:
    capabilities = CAPABILITIES | (
        {"allowOutgoingMessages": False} if change == "receive_only" else {}
    )
    world, agent = await world_with_agent(db, client, web_user, capabilities=capabilities)
    async with db.transaction() as uow:
        account = update(ChannelAccount).where(ChannelAccount.id == world.account_id)
        if change == "deactivated":
            await uow.execute(account.values(active=False))
        elif change == "archived_account":
            await uow.execute(account.values(archived=True))
        elif change == "unauthorized":
            await uow.execute(account.values(authorized=False))
        elif change == "archived_thread":
            await uow.execute(
                update(Thread).where(Thread.id == world.thread_id).values(archived=True)
            )
    html = await pane(agent, world.thread_id)
    assert 'data-reply-allowed="false"' in html
    assert f'data-comment-allowed="{"true" if comments else "false"}"' in html
    note = re.search(r'<p class="composer-blocked"[^>]*>.*?<span>(.*?)</span>', html, re.S)
    assert note, html
    assert reason in note.group(1)
    assert ("You can still add an internal comment." in note.group(1)) is comments


async def test_a_writable_channel_has_no_blocked_note(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, agent = await world_with_agent(db, client, web_user)
    html = await pane(agent, world.thread_id)
    assert 'data-reply-allowed="true"' in html
    assert "composer-blocked" not in html


# --- days and time zones ------------------------------------------------------------------


async def test_days_group_in_the_viewers_time_zone(db: Database, web_user: SignIn) -> None:
    setup = await setup_thread(db, messages=0)
    agent = await web_user(teams=[setup.team])
    day = 1_780_000_000_000 - 1_780_000_000_000 % 86_400_000  # a UTC midnight
    for hours in (1, 13):  # 01:00 and 13:00 UTC: one UTC day, two days in Los Angeles
        await add_message(db, thread_id=setup.thread_id, created_at=day + hours * 3_600_000)
    utc = await pane(agent, setup.thread_id)
    assert len(re.findall(r'class="day-sep"', utc)) == 1
    agent.client.cookies.set("frontdesk_tz", "America%2FLos_Angeles")
    local = await pane(agent, setup.thread_id)
    assert len(re.findall(r'class="day-sep"', local)) == 2
    agent.client.cookies.set("frontdesk_tz", "../../etc/passwd")
    assert len(re.findall(r'class="day-sep"', await pane(agent, setup.thread_id))) == 1


async def test_contact_owner_and_identifiers_in_the_sidebar(
    db: Database, client: httpx.AsyncClient, web_user: SignIn
) -> None:
    world, agent = await world_with_agent(db, client, web_user)
    async with db.transaction() as uow:
        contact_id = await uow.scalar(select(Thread.contact_id).where(Thread.id == world.thread_id))
        await uow.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(owner_id=agent.user_id, email="marie@example.com")
        )
    html = await pane(agent, world.thread_id)
    sidebar = html.partition('data-pane="sidebar"')[2]
    assert f'<option value="{agent.user_id}" selected>Grace Hopper (you)</option>' in sidebar
    assert '<dt>E-mail</dt><dd class="identifier">marie@example.com</dd>' in sidebar
    assert f'<dt>Phone</dt><dd class="identifier">{world.contact_phone}</dd>' in sidebar
