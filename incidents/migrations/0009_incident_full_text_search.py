import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

# English words (ASCII) keep the english configuration's stemmer; other words (Arabic) go to
# the Snowball Arabic stemmer: one vector for both languages (incidents/search.py).
CREATE_CONFIG = """
CREATE TEXT SEARCH CONFIGURATION khareetaty_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION khareetaty_search
    ALTER MAPPING FOR word, hword, hword_part WITH arabic_stem;
"""
DROP_CONFIG = "DROP TEXT SEARCH CONFIGURATION khareetaty_search;"


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_raw_rows_brin_by_batch"),
    ]

    operations = [
        migrations.RunSQL(CREATE_CONFIG, DROP_CONFIG),
        migrations.AddIndex(
            model_name="incident",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector(
                    "description", "area", "block", "external_id", config="khareetaty_search"
                ),
                name="incident_search",
            ),
        ),
    ]
