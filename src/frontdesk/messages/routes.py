"""HTTP routes of this domain (filled in by its issue's work)."""

from fastapi import APIRouter

custom_channel_router = APIRouter()
