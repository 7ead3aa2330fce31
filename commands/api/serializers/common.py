"""Shared serializer fields."""

from rest_framework import serializers


class UserRefField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)
