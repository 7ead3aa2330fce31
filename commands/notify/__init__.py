"""Notification channels: one module per channel, one interface, one registry."""
