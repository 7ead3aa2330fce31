"""The ingest-batch API: upload a file or records, poll the batch, download rejected rows."""

import csv
import json

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from incidents.api.batch_serializers import BatchCreateInputSerializer, BatchOutputSerializer
from incidents.pipeline.uploads import batch_upload
from incidents.selectors import ingest_batch_list, rejected_row_list
from khareetaty.api_actions import validated_input
from khareetaty.parsers import JSONParser
from khareetaty.permissions import ANALYSTS, STAFF


class _Echo:
    def write(self, value: str) -> str:
        return value


class IngestBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """``POST`` a file (multipart ``file``) or ``{"records": [...]}`` with an optional
    ``profile``; the answer (202) holds the batch id to poll."""

    serializer_class = BatchOutputSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "source"]
    role_access = {
        "list": STAFF,
        "retrieve": STAFF,
        "create": ANALYSTS,
        "rejected": ANALYSTS,
    }

    def get_queryset(self):
        return ingest_batch_list()

    @extend_schema(
        request={
            "multipart/form-data": BatchCreateInputSerializer,
            "application/json": BatchCreateInputSerializer,
        },
        responses={202: BatchOutputSerializer},
    )
    def create(self, request, *args, **kwargs) -> Response:
        v = validated_input(BatchCreateInputSerializer, request)
        batch = batch_upload(
            profile_name=v["profile"],
            created_by=request.user,
            upload=v.get("file"),
            records=v.get("records"),
        )
        batch.refresh_from_db()
        body = BatchOutputSerializer(batch, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="rejected.csv", url_name="rejected")
    def rejected(self, request, pk=None) -> StreamingHttpResponse:
        """Every rejected row: row number, its errors, and the record as received."""
        batch = self.get_object()
        rows = rejected_row_list(batch=batch)
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"  # BOM: spreadsheet programs then read the Arabic text correctly
            yield writer.writerow(["row_number", "field", "code", "message", "record"])
            for row in rows.iterator(chunk_size=2000):
                record = json.dumps(row.record, ensure_ascii=False)
                for error in row.errors:
                    yield writer.writerow(
                        [row.row_number, error["field"], error["code"], error["message"], record]
                    )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-rejected.csv"'
        return response
