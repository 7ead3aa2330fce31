"""Full-text search over incidents, in English and Arabic, with PostgreSQL's own parsers.

Two expression indexes (GIN) on ``incidents_clean``, no extra column: an ``english`` vector
(stems "robberies" to "robberi", so "robbery" finds it) and an ``arabic`` vector (PostgreSQL's
Snowball Arabic stemmer, shipped since PostgreSQL 12: ``\\dF`` lists it; it strips the
article and common affixes, so "سرقة" finds "السرقة"). Both cover the description, area,
block and external id. A query is parsed as a web search (``websearch_to_tsquery``: words,
"quoted phrases", ``or``, ``-word``) in each language, and a row matching either is found.

The filter's SQL repeats exactly the indexed expressions (``search_vector``), so the planner
uses the indexes; ``Meta.indexes`` of ``Incident`` is built from the same function.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q

SEARCH_FIELDS = ("description", "area", "block", "external_id")
# (index name suffix, PostgreSQL text search configuration)
SEARCH_CONFIGS = (("en", "english"), ("ar", "arabic"))


def search_vector(config: str) -> SearchVector:
    """The indexed document of an incident in one text search configuration."""
    return SearchVector(*SEARCH_FIELDS, config=config)


def search_aliases() -> dict[str, SearchVector]:
    """``QuerySet.alias()`` arguments: one vector per language, never selected."""
    return {f"search_{suffix}": search_vector(config) for suffix, config in SEARCH_CONFIGS}


def search_condition(text: str) -> Q:
    """Rows whose English or Arabic vector matches ``text`` (after ``search_aliases``)."""
    condition = Q()
    for suffix, config in SEARCH_CONFIGS:
        query = SearchQuery(text, config=config, search_type="websearch")
        condition |= Q(**{f"search_{suffix}": query})
    return condition
