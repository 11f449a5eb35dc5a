"""Settings > Library pages: every signed-in user reads the knowledge base and manages the
documents and videos they uploaded; admins write, publish and delete articles. The
conversation's sidebar lists what was shared by link with its opens."""

from __future__ import annotations

import re

import pytest

from frontdesk.core.db import Database
from frontdesk.library import articles as article_service
from tests.library.world import library_world
from tests.messages.thread_factories import setup_thread
from tests.web.conftest import SignIn

ARTICLES = "/settings/library/articles"


@pytest.mark.asyncio
async def test_admins_write_and_publish_articles_agents_read_the_list(
    db: Database, web_user: SignIn
) -> None:
    admin = await web_user(role="admin")
    agent = await web_user()
    form = {
        "csrf_token": admin.csrf,
        "title": "Track your order",
        "slug": "",
        "category": "Orders",
        "body": "<p>Open <b>Orders</b></p><script>alert(1)</script>",
    }
    created = await admin.client.post(ARTICLES, data=form)
    assert created.status_code == 303, created.text
    edit_path = created.headers["location"].split("?")[0]
    assert created.headers["location"].endswith("?saved=article-created")
    async with db.read() as uow:
        [article] = await article_service.list_articles(uow)
    assert article.slug == "track-your-order"
    assert article.body == "<p>Open <b>Orders</b></p>"
    assert article.status == "DRAFT"
    edit = await admin.client.get(created.headers["location"])
    assert "Article created as a draft." in edit.text
    assert ">Publish</button>" in edit.text

    clash = await admin.client.post(ARTICLES, data=form)
    assert clash.status_code == 409
    assert "Another article already uses the URL name track-your-order" in clash.text
    assert 'value="Track your order"' in clash.text  # the form as it was posted

    published = await admin.client.post(
        f"{edit_path}/status", data={"csrf_token": admin.csrf, "status": "PUBLISHED"}
    )
    assert published.status_code == 303
    assert (await agent.client.get("/kb/track-your-order")).status_code == 200

    listing = await agent.client.get(ARTICLES, params={"category": "Orders"})
    assert listing.status_code == 200
    assert "Track your order" in listing.text
    assert "New article" not in listing.text
    assert f'href="{edit_path}"' not in listing.text  # agents get no edit link
    assert (await agent.client.get(f"{ARTICLES}/new")).status_code == 403
    refused = await agent.client.post(f"{edit_path}/delete", data={"csrf_token": agent.csrf})
    assert refused.status_code == 403
    none = await agent.client.get(ARTICLES, params={"q": "nothing like it"})
    assert "No article matches." in none.text

    assert (await admin.client.get(f"{ARTICLES}/999999")).status_code == 404
    deleted = await admin.client.post(f"{edit_path}/delete", data={"csrf_token": admin.csrf})
    assert deleted.headers["location"] == f"{ARTICLES}?saved=article-deleted"
    assert (await agent.client.get("/kb/track-your-order")).status_code == 404


@pytest.mark.asyncio
async def test_users_rename_and_delete_their_own_documents_and_videos(
    db: Database, web_user: SignIn
) -> None:
    owner = await web_user(name="Olive Owner")
    other = await web_user(name="Otto Other")
    admin = await web_user(role="admin")
    setup = await setup_thread(db, messages=0)
    world = await library_world(
        db, owner_id=owner.user_id, admin_id=admin.user_id, thread_id=setup.thread_id
    )
    documents = "/settings/library/documents"
    page = await owner.client.get(documents)
    assert page.status_code == 200
    assert "Guide" in page.text
    assert "Olive Owner" in page.text
    assert f'action="{documents}/{world["documentId"]}"' in page.text
    assert (
        f'action="{documents}/{world["documentId"]}"'
        not in (await other.client.get(documents)).text
    )

    path = f"{documents}/{world['documentId']}"
    renamed = await owner.client.post(path, data={"csrf_token": owner.csrf, "name": "Handbook"})
    assert renamed.headers["location"] == f"{documents}?saved=document-renamed"
    assert "Handbook" in (await owner.client.get(renamed.headers["location"])).text
    forbidden = await other.client.post(f"{path}/delete", data={"csrf_token": other.csrf})
    assert forbidden.status_code == 403
    assert "Only the uploader or an admin" in forbidden.text
    no_csrf = await owner.client.post(f"{path}/delete", data={})
    assert no_csrf.status_code == 403
    gone = await admin.client.post(f"{path}/delete", data={"csrf_token": admin.csrf})
    assert gone.headers["location"] == f"{documents}?saved=document-deleted"

    videos = "/settings/library/videos"
    listed = await other.client.get(videos)
    assert "Tour" in listed.text
    assert "2:15" in listed.text
    video_path = f"{videos}/{world['videoId']}"
    saved = await owner.client.post(
        video_path, data={"csrf_token": owner.csrf, "name": "Tour", "duration": "1:02:05"}
    )
    assert saved.status_code == 303
    assert "1:02:05" in (await owner.client.get(videos)).text
    unreadable = await owner.client.post(
        video_path, data={"csrf_token": owner.csrf, "name": "Tour", "duration": "soon"}
    )
    assert unreadable.status_code == 400


@pytest.mark.asyncio
async def test_the_sidebar_lists_shared_documents_with_their_opens(
    db: Database, web_user: SignIn
) -> None:
    setup = await setup_thread(db, messages=0)
    agent = await web_user(teams=[setup.team])
    admin = await web_user(role="admin")
    world = await library_world(
        db, owner_id=agent.user_id, admin_id=admin.user_id, thread_id=setup.thread_id
    )
    for _ in range(3):
        assert (await agent.client.get(f"/d/{world['documentToken']}")).status_code == 303
    page = await agent.client.get(f"/inbox/threads/{setup.thread_id}")
    assert page.status_code == 200
    section = re.search(
        r'<section class="side-card shared-documents".*?</section>', page.text, re.S
    )
    assert section, page.text
    items = re.findall(
        r'<span class="shared-name">(.*?)</span> <span class="shared-opens">(.*?)<',
        section.group(0),
    )
    assert items == [("Guide", "3 opens"), ('Tour <span class="muted">(video)</span>', "0 opens")]
