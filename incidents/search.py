"""Full-text search over incidents, in English and Arabic, with PostgreSQL's own parsers.

One text search configuration, ``khareetaty_search`` (created by migration
``incidents/0009``): a copy of ``english`` whose non-ASCII words go to PostgreSQL's Snowball
Arabic stemmer. English words are stemmed as English ("robberies" becomes "robberi", so
"robbery" finds it) and Arabic words as Arabic (the article and common affixes are
stripped, so "سرقة" finds "السرقة"), in one vector: each word is indexed once.

The document (description, area, block and external id) lives in ``incidents_search``
(``IncidentSearch``) with a GIN index, not as an expression index on ``incidents_clean``:
ingest stays as fast as without search, and ``incident_search_refresh`` writes the
documents right after (docs/frontend.md, search, has the measured cost). A query is parsed
as a web search (``websearch_to_tsquery``: words, "quoted phrases", ``or``, ``-word``).
"""

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q

from incidents.models import IncidentSearch

SEARCH_FIELDS = ("description", "area", "block", "external_id")
SEARCH_CONFIG = "khareetaty_search"

# Write the documents (of SEARCH_FIELDS, in SEARCH_CONFIG) that are missing or older than
# their incident, in id order after ``after``, of ``ids`` (or of all when NULL).
REFRESH_SQL = """
INSERT INTO incidents_search (incident_id, document, indexed_updated_at)
SELECT c.id,
    to_tsvector('khareetaty_search', coalesce(c.description, '') || ' ' || coalesce(c.area, '')
        || ' ' || coalesce(c.block, '') || ' ' || coalesce(c.external_id, '')),
    c.updated_at
FROM incidents_clean c LEFT JOIN incidents_search s ON s.incident_id = c.id
WHERE c.id > %(after)s AND (%(ids)s::bigint[] IS NULL OR c.id = ANY(%(ids)s::bigint[]))
  AND (s.incident_id IS NULL OR s.indexed_updated_at <> c.updated_at)
ORDER BY c.id LIMIT %(limit)s
ON CONFLICT (incident_id) DO UPDATE
    SET document = EXCLUDED.document, indexed_updated_at = EXCLUDED.indexed_updated_at
RETURNING incident_id
"""


def search_condition(text: str) -> Q:
    """Incidents whose document matches ``text`` (a semi-join on the GIN index)."""
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    return Q(pk__in=IncidentSearch.objects.filter(document=query).values("incident_id"))
