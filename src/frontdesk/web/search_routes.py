"""Search in the inbox UI (issue 6): the page, and the results fragment our script fetches
as the person types; both read through `search_page`."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from frontdesk.api.deps import DbDep
from frontdesk.web.auth import WebUserDep
from frontdesk.web.forms import frame
from frontdesk.web.search_page import SearchForm, results_context
from frontdesk.web.templating import render
from frontdesk.web.thread_views import viewer_zone

router = APIRouter(include_in_schema=False)

# Empty values are what a GET form sends for "any": every filter accepts "".
_ID = r"^([1-9][0-9]{0,17})?$"
_DAY = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"


async def search_form(
    q: Annotated[str, Query(max_length=500)] = "",
    channel: Annotated[str, Query(pattern=_ID)] = "",
    account: Annotated[str, Query(pattern=_ID)] = "",
    inbox: Annotated[str, Query(pattern=_ID)] = "",
    status: Annotated[str, Query(pattern=r"^(|OPEN|CLOSED|open|closed)$")] = "",
    assignee: Annotated[str, Query(pattern=r"^(|me|unassigned|[1-9][0-9]{0,17})$")] = "",
    since: Annotated[str, Query(pattern=_DAY)] = "",
    until: Annotated[str, Query(pattern=_DAY)] = "",
    attachments: Annotated[str, Query(pattern=r"^[01]?$")] = "",
) -> SearchForm:
    return SearchForm(
        q=q,
        channel=channel,
        account=account,
        inbox=inbox,
        status=status.upper(),
        assignee=assignee,
        since=since,
        until=until,
        attachments=attachments,
    )


SearchFormDep = Annotated[SearchForm, Depends(search_form)]
After = Annotated[str | None, Query(max_length=200)]


@router.get("/search")
async def search_page(
    request: Request, principal: WebUserDep, db: DbDep, form: SearchFormDep
) -> HTMLResponse:
    """Search conversations: the box, the filters and the first page of results."""
    started = time.perf_counter()
    context = await results_context(
        db, principal=principal, form=form, zone=viewer_zone(request), with_options=True
    )
    return render(
        request,
        "search.html",
        {**context, **await frame(db, principal), "search_q": form.q},
        started=started,
    )


@router.get("/search/fragments/results")
async def results_fragment(
    request: Request, principal: WebUserDep, db: DbDep, form: SearchFormDep, after: After = None
) -> HTMLResponse:
    """The results for the form as it is now (as-you-type), or the next page (`after`)."""
    started = time.perf_counter()
    context = await results_context(
        db, principal=principal, form=form, zone=viewer_zone(request), after=after
    )
    template = "_search_rows.html" if after else "_search_results.html"
    return render(request, template, context, started=started)
