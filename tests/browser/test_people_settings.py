"""Settings > Users and Teams in a real browser: an admin creates a user, then a team with that
user as its member, then deactivates the user through the confirmation dialog, only through
the pages."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from frontdesk.core.db import Database
from tests.browser.conftest import SignedIn
from tests.server import LiveServer

pytestmark = pytest.mark.asyncio


async def test_admin_creates_a_user_and_a_team(
    signed_in: SignedIn, live_server: LiveServer, db: Database
) -> None:
    admin = await signed_in(role="admin", name="Grace Admin")
    page = admin.page
    await page.goto(f"{live_server.url}/settings/users")
    await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()

    form = page.locator("#create-user")
    await form.get_by_label("Name").fill("Bea Agent")
    await form.get_by_label("Email").fill("bea@example.com")
    await form.get_by_role("button", name="Add user").click()
    # No password typed: one is generated and shown once.
    await expect(page.get_by_role("heading", name="User created")).to_be_visible()
    await expect(page.locator("#generated-password")).not_to_be_empty()
    await page.get_by_role("link", name="Back to users").click()
    await expect(page.locator("#users")).to_contain_text("bea@example.com")
    await admin.shot("people-settings-users")

    await page.get_by_role("navigation", name="Settings").get_by_role("link", name="Teams").click()
    await page.locator("#create-team").get_by_label("New team").fill("Support")
    await page.get_by_role("button", name="Create team").click()
    await expect(page.get_by_role("status")).to_have_text("Team created.")
    team = page.locator(".team-card", has_text="Support")
    await team.get_by_label("Add member").select_option(label="Bea Agent")
    await team.get_by_role("button", name="Add", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Member added.")
    members = page.get_by_role("list", name="Members of Support")
    await expect(members).to_contain_text("Bea Agent")
    await admin.shot("people-settings-teams")

    # Deactivation asks first, in a dialog; Cancel leaves everything as it was.
    await page.goto(f"{live_server.url}/settings/users")
    await page.locator("#users tr", has_text="Bea Agent").get_by_role("link", name="Edit").click()
    await page.get_by_role("button", name="Deactivate user").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Deactivate Bea Agent?")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await page.get_by_role("button", name="Deactivate user").click()
    await dialog.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("status")).to_contain_text("User deactivated")
    await expect(page.locator("#users tr", has_text="Bea Agent")).to_contain_text("Deactivated")
