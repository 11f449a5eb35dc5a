"""Frontdesk: a self-hosted shared inbox with HubSpot-compatible custom channels."""

__version__ = "0.1.0"
