"""Interop models: agencies, their service accounts (``interop_services``) and API keys,
sharing rules, feeds, the request log (``interop_requests``) and the share record."""

from interop.models.agencies import Agency, ServiceAccount, ServiceAccountKey, SharingRule
from interop.models.broker import AgencyBatch, Feed, ShareRecord
from interop.models.requests import RequestLog
from interop.models.webhooks import WebhookSubscription

__all__ = [
    "Agency",
    "AgencyBatch",
    "Feed",
    "RequestLog",
    "ServiceAccount",
    "ServiceAccountKey",
    "ShareRecord",
    "SharingRule",
    "WebhookSubscription",
]
