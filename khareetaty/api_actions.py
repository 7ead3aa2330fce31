"""The one shape of an API action (assign, escalate, close …): an input serializer, then a
service, then the output serializer of the object as it now reads. ``validated_input``
is the first step anywhere; ``DetailActionMixin`` gives a viewset the object lookup
through its detail selector (a missing or unseen object is 404) and the answer."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.http import Http404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response


def validated_input(
    serializer_class: type[serializers.Serializer], request: Request, **kwargs
) -> dict:
    """``request.data`` through ``serializer_class``: its validated data, or 400 naming the
    fields."""
    data = serializer_class(data=request.data, **kwargs)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class DetailActionMixin:
    """For a viewset whose objects are read through a selector scoped to the caller.

    Subclasses set ``list_serializer_class`` and ``detail_serializer_class`` and implement
    ``read_object(pk)``, the selector call (DRF owns the name ``detail``); actions end with
    ``return self.answer(obj)``."""

    list_serializer_class: type[serializers.Serializer]
    detail_serializer_class: type[serializers.Serializer]

    def read_object(self, pk: int) -> Model:
        raise NotImplementedError

    def get_serializer_class(self):
        if self.action == "list":
            return self.list_serializer_class
        return self.detail_serializer_class

    def get_object(self) -> Model:
        try:
            return self.read_object(int(self.kwargs["pk"]))
        except (ObjectDoesNotExist, ValueError) as exc:
            raise Http404 from exc

    def answer(self, obj: Model, code: int = status.HTTP_200_OK) -> Response:
        """The object as the caller now sees it (read again: the service changed it)."""
        return Response(self.detail_serializer_class(self.read_object(obj.pk)).data, status=code)
