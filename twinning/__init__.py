"""Core of the twinning platform: settings, users and roles, access rules, notifications."""

from .celery import app as celery_app

__all__ = ["celery_app"]
