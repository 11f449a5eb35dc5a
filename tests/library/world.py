"""A library with one of everything (a published article, a document and a video with a
poster, each shared by link in a thread): for the route sweeps and the library tests."""

from __future__ import annotations

from frontdesk.core.db import Database
from frontdesk.library import articles as article_service
from frontdesk.library import documents as library_service
from frontdesk.library import links as link_service
from tests.factories import unique
from tests.messages.thread_factories import create_file


async def library_world(
    db: Database, *, owner_id: int, admin_id: int, thread_id: int
) -> dict[str, str]:
    """Path values naming live library objects: the document and video are `owner_id`'s."""
    pdf = await create_file(db, name="guide.pdf", mime_type="application/pdf", user_id=owner_id)
    mp4 = await create_file(db, name="tour.mp4", mime_type="video/mp4", user_id=owner_id)
    poster = await create_file(db, name="tour.png", mime_type="image/png", user_id=owner_id)
    async with db.transaction() as uow:
        article = await article_service.create_article(
            uow,
            title="Getting started",
            slug=unique("getting-started"),
            body="<p>Welcome</p>",
            category="Basics",
            status="PUBLISHED",
            author_user_id=admin_id,
        )
        document = await library_service.create_document(
            uow, name="Guide", file_id=pdf, user_id=owner_id
        )
        video = await library_service.create_video(
            uow, name="Tour", file_id=mp4, duration_s=135, poster_file_id=poster, user_id=owner_id
        )
        document_token = await link_service.create_document_link(
            uow, document_id=document.id, thread_id=thread_id, user_id=owner_id
        )
        video_token = await link_service.create_video_link(
            uow, video_id=video.id, thread_id=thread_id, user_id=owner_id
        )
    return {
        "articleId": str(article.id),
        "slug": article.slug,
        "documentId": str(document.id),
        "videoId": str(video.id),
        "documentToken": document_token,
        "videoToken": video_token,
    }
