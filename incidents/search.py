"""Full-text search over incidents, in English and Arabic, with PostgreSQL's own parsers.

One text search configuration, ``khareetaty_search`` (created by migration
``incidents/0009``): a copy of ``english`` whose non-ASCII words go to PostgreSQL's Snowball
Arabic stemmer. English words are stemmed as English ("robberies" becomes "robberi", so
"robbery" finds it) and Arabic words as Arabic (the article and common affixes are
stripped, so "سرقة" finds "السرقة"), in one vector: each word is indexed once, where two
vectors (one per language) indexed every word twice and doubled the index's upkeep.

One expression index (GIN) on ``incidents_clean``, no extra column, over the description,
area, block and external id. A query is parsed as a web search (``websearch_to_tsquery``:
words, "quoted phrases", ``or``, ``-word``). The filter's SQL repeats exactly the indexed
expression (``search_document``), so the planner uses the index; ``Meta.indexes`` of
``Incident`` is built from the same function. Ingest pays for the index: see
``docs/frontend.md`` (search) for the measured cost.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q

SEARCH_FIELDS = ("description", "area", "block", "external_id")
SEARCH_CONFIG = "khareetaty_search"
SEARCH_INDEX = "incident_search"


def search_document() -> SearchVector:
    """The indexed document of an incident."""
    return SearchVector(*SEARCH_FIELDS, config=SEARCH_CONFIG)


def search_aliases() -> dict:
    """``QuerySet.alias()`` arguments: the document, never selected."""
    return {"search_document": search_document()}


def search_condition(text: str) -> Q:
    """Rows whose document matches ``text`` (after ``search_aliases``)."""
    return Q(search_document=SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch"))
