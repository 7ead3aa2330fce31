"""The API's JSON parser: bounded nesting, and never a 500 for a body it cannot read."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deeper than any body the API takes (a GeoJSON FeatureCollection of MultiPolygons is 7).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether ``value`` nests objects and arrays deeper than ``limit`` (iterative: a deep
    document cannot exhaust the stack here)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus: nesting deeper than ``MAX_JSON_DEPTH`` and documents that
    exhaust the decoder's recursion answer 400 (``ParseError``) instead of 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - nested too deeply.")) from exc
        if isinstance(data, dict | list) and json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(
                _("JSON parse error - nested deeper than %(n)s levels.") % {"n": MAX_JSON_DEPTH}
            )
        return data
