import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0008_raw_rows_brin_by_batch"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector(
                    "description", "area", "block", "external_id", config="english"
                ),
                name="incident_search_en",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector(
                    "description", "area", "block", "external_id", config="arabic"
                ),
                name="incident_search_ar",
            ),
        ),
    ]
