"""Conversations API routes for a thread's messages and for actors (reference 7.5, 7.6)."""

from fastapi import APIRouter

thread_router = APIRouter()
