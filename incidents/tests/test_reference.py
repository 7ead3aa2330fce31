import shutil
import subprocess

import pytest
import yaml
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import Category, Region
from incidents.profiles import load_profile
from incidents.reference import (
    DATA_DIR,
    DEFAULT_CATEGORIES_FILE,
    ReferenceDataError,
    categories_load,
    reference_data_load_defaults,
    regions_load,
)
from incidents.tests.factories_api import (
    PLACES,
    incident_at,
    kuwait_reference,
    square_feature,
    write_geojson,
)
from khareetaty.audit.models import ActionLog

pytestmark = pytest.mark.django_db

SHIPPED_REGIONS = DATA_DIR / "kuwait_regions.geojson"
ISO_CODES = {"KW-AH", "KW-FA", "KW-HA", "KW-JA", "KW-KU", "KW-MU"}


def test_defaults_load_six_valid_governorates_and_report_the_repaired_al_asimah():
    report = reference_data_load_defaults()

    regions = {r.code: r for r in Region.objects.filter(profile="kuwait")}
    assert set(regions) == ISO_CODES
    assert all(r.geom.valid and r.geom.geom_type == "MultiPolygon" for r in regions.values())
    assert regions["KW-KU"].name_ar == "العاصمة"
    assert regions["KW-MU"].name_ar == "مبارك الكبير"
    [repair] = report.regions.repaired
    assert repair.code == "KW-KU"
    assert "Self-intersection" in repair.reason
    assert repair.dropped == ("LineString",)
    assert abs(repair.area_change_pct) < 0.01
    assert any("repaired invalid geometry of KW-KU" in line for line in report.regions.lines())
    assert Region.objects.get(code="KW-HA").geom.contains(Point(*PLACES["KW-HA"], srid=4326))


def test_defaults_are_idempotent_and_never_overwrite_loaded_boundaries(tmp_path):
    reference_data_load_defaults()
    official = write_geojson(
        tmp_path / "paci.geojson", [square_feature("KW-KU", "Capital (PACI)", 47.98, 29.37)]
    )
    regions_load(path=official, profile="kuwait", code_field="code", name_field="name")
    audit_entries = ActionLog.objects.count()

    again = reference_data_load_defaults()

    assert again.regions is None
    assert again.categories.created == []
    assert list(Region.objects.values_list("code", "name_en")) == [("KW-KU", "Capital (PACI)")]
    assert Category.objects.count() == 9
    assert ActionLog.objects.count() == audit_entries


def test_shapefile_in_utm_is_reprojected_to_wgs84(tmp_path):
    if not shutil.which("ogr2ogr"):
        pytest.fail("ogr2ogr (gdal-bin) is needed to build the shapefile fixture")
    shapefile = tmp_path / "kuwait_utm.shp"
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:32639",
            str(shapefile),
            str(SHIPPED_REGIONS),
        ],
        check=True,
    )

    report = regions_load(path=shapefile, profile="kuwait", code_field="iso", name_field="name")

    assert "UTM zone 39N" in report.source_srs
    assert sorted(report.created) == sorted(ISO_CODES)
    hawalli = Region.objects.get(code="KW-HA")
    assert hawalli.geom.srid == 4326
    assert hawalli.geom.contains(Point(*PLACES["KW-HA"], srid=4326))
    min_lon, _, _, max_lat = hawalli.geom.extent
    assert min_lon == pytest.approx(47.97885, abs=1e-4) and max_lat == pytest.approx(
        29.36035, abs=1e-4
    )
    assert [r.code for r in report.repaired] == ["KW-KU"]


def test_geojson_declaring_a_projected_crs_is_reprojected(tmp_path):
    # A square around Hawalli expressed in Web Mercator metres.
    x, y, half = 5345873.6, 3418736.6, 2000.0
    ring = [
        [x - half, y - half],
        [x + half, y - half],
        [x + half, y + half],
        [x - half, y + half],
        [x - half, y - half],
    ]
    path = write_geojson(
        tmp_path / "mercator.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "HA", "name": "Hawalli"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
        crs=3857,
    )

    regions_load(path=path, profile="test", code_field="code", name_field="name")

    centroid = Region.objects.get(profile="test").geom.centroid
    assert centroid.x == pytest.approx(48.0228, abs=1e-3)
    assert centroid.y == pytest.approx(29.3380, abs=1e-3)


def test_polygons_become_multipolygons_and_features_sharing_a_code_merge(tmp_path):
    path = write_geojson(
        tmp_path / "islands.geojson",
        [
            square_feature("A", "Mainland", 47.9, 29.3),
            square_feature("A", "Mainland", 48.3, 29.4, half=0.02),
            square_feature("B", "Other", 47.6, 29.3),
        ],
    )

    report = regions_load(path=path, profile="test", code_field="code", name_field="name")

    region = Region.objects.get(profile="test", code="A")
    assert region.geom.geom_type == "MultiPolygon" and region.geom.num_geom == 2
    assert Region.objects.get(profile="test", code="B").geom.num_geom == 1
    assert report.merged == ["A"]


def test_arabic_names_come_from_a_field_when_given(tmp_path):
    path = write_geojson(
        tmp_path / "named.geojson", [square_feature("X", "Hawalli", 48.02, 29.33, name_ar="حولي")]
    )
    regions_load(
        path=path, profile="test", code_field="code", name_field="name", name_ar_field="name_ar"
    )
    assert Region.objects.get(profile="test", code="X").name_ar == "حولي"


def test_a_missing_field_names_the_fields_the_file_has(tmp_path):
    with pytest.raises(
        ReferenceDataError,
        match=r"no field gov_code; its fields are: (name, iso|iso, name)",
    ):
        regions_load(
            path=SHIPPED_REGIONS, profile="kuwait", code_field="gov_code", name_field="name"
        )


def test_a_bad_feature_is_named_and_changes_nothing(tmp_path):
    kuwait_reference()
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            square_feature("KW-KU", "Capital", 47.98, 29.37),
            square_feature("", "No code", 48.0, 29.3),
            {
                "type": "Feature",
                "properties": {"code": "P", "name": "A point"},
                "geometry": {"type": "Point", "coordinates": [48.0, 29.3]},
            },
        ],
    )

    with pytest.raises(ReferenceDataError) as caught:
        regions_load(path=path, profile="kuwait", code_field="code", name_field="name")

    problems = caught.value.problems
    assert any("feature 2" in p and "empty code" in p for p in problems)
    assert any("feature 3" in p and "Point" in p for p in problems)
    assert set(Region.objects.values_list("code", flat=True)) == ISO_CODES


def test_replacing_boundaries_moves_incidents_to_the_region_now_covering_them(tmp_path):
    kuwait_reference()
    in_hawalli = incident_at("KW-HA")
    in_jahra = incident_at("KW-JA")
    hawalli_lon, hawalli_lat = PLACES["KW-HA"]
    # New boundaries: the capital now covers Hawalli's point; Jahra disappears.
    features = [
        square_feature("KW-KU", "Capital", hawalli_lon, hawalli_lat, half=0.02),
        square_feature("KW-HA", "Hawalli", 48.2, 29.2, half=0.02),
    ]
    path = write_geojson(tmp_path / "new.geojson", features)

    report = regions_load(path=path, profile="kuwait", code_field="code", name_field="name")

    in_hawalli.refresh_from_db()
    in_jahra.refresh_from_db()
    assert in_hawalli.region.code == "KW-KU"
    assert in_jahra.region.code == "KW-KU"  # the nearest remaining region
    assert sorted(report.removed) == ["KW-AH", "KW-FA", "KW-JA", "KW-MU"]
    assert report.reassigned_incidents == 2
    assert Region.objects.get(code="KW-KU").name_ar == "العاصمة"  # kept: the file has none


def test_regions_load_is_audited_with_its_report(make_user):
    superadmin = make_user("superadmin")
    regions_load(
        path=SHIPPED_REGIONS,
        profile="kuwait",
        code_field="iso",
        name_field="name",
        actor=superadmin,
    )
    entry = ActionLog.objects.get(action="regions_load")
    assert entry.actor_id == superadmin.pk
    assert entry.object_id == "kuwait"
    assert entry.summary["repaired"][0]["code"] == "KW-KU"


def test_the_nine_demo_categories_have_arabic_names_and_severities():
    reference_data_load_defaults()
    categories = {c.code: c for c in Category.objects.all()}
    assert set(categories) == {
        "theft", "burglary", "robbery", "assault", "vandalism", "drug_offence", "fraud",
        "traffic_accident", "public_disorder",
    }  # fmt: skip
    assert all(c.name_ar and 1 <= c.default_severity <= 5 for c in categories.values())
    assert categories["drug_offence"].name_en == "Drug offence"


def test_every_shipped_category_name_maps_through_the_kuwait_profile():
    profile = load_profile("kuwait")
    entries = yaml.safe_load(DEFAULT_CATEGORIES_FILE.read_text(encoding="utf-8"))["categories"]
    for entry in entries:
        assert profile.map_category(entry["name_en"]) == entry["code"]
        assert profile.map_category(entry["name_ar"]) == entry["code"]


def test_default_categories_keep_admin_edits_but_an_explicit_load_updates_them():
    reference_data_load_defaults()
    Category.objects.filter(code="fraud").update(default_severity=5)

    reference_data_load_defaults()
    assert Category.objects.get(code="fraud").default_severity == 5

    report = categories_load(path=DEFAULT_CATEGORIES_FILE)
    assert report.updated == ["fraud"]
    assert Category.objects.get(code="fraud").default_severity == 2


def test_invalid_category_entries_are_named_and_nothing_is_saved(tmp_path):
    path = tmp_path / "categories.yaml"
    path.write_text(
        "categories:\n"
        "  - {code: theft, name_en: Theft, name_ar: سرقة, default_severity: 2}\n"
        "  - {code: arson, name_en: Arson, default_severity: 9}\n"
        "  - {code: theft, name_en: Theft again, colour: red}\n",
        encoding="utf-8",
    )

    with pytest.raises(ReferenceDataError) as caught:
        categories_load(path=path)

    text = str(caught.value)
    assert "entry 2 (arson): default_severity" in text
    assert "entry 3: unknown key colour" in text
    assert "code theft is listed twice" in text
    assert not Category.objects.exists()


def test_load_regions_command_prints_the_repair(capsys):
    call_command(
        "load_regions", str(SHIPPED_REGIONS), "--code-field", "iso", "--name-field", "name"
    )
    out = capsys.readouterr().out
    assert "repaired invalid geometry of KW-KU (Al Asimah): Ring Self-intersection" in out
    assert "6 regions loaded" in out


def test_load_regions_command_turns_bad_input_into_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "load_regions", str(tmp_path / "missing.shp"), "--code-field", "c", "--name-field", "n"
        )
    with pytest.raises(CommandError, match="no field"):
        call_command(
            "load_regions", str(SHIPPED_REGIONS), "--code-field", "c", "--name-field", "name"
        )


def test_load_reference_data_command_runs_twice(capsys):
    call_command("load_reference_data")
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "repaired invalid geometry of KW-KU" in out
    assert "regions: already loaded, kept" in out
    assert "categories: 0 created, 9 kept" in out
    assert Region.objects.count() == 6
