"""The gazetteer: areas and blocks loaded from a boundary file (the regions' reader), the
demo for Kuwait, search by name and block number, and the outline and search endpoints."""

import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.gazetteer import place_query_parse, place_search
from incidents.models import Place
from incidents.reference import ReferenceDataError
from incidents.reference.gazetteer import PlaceFields, places_load
from incidents.reference.gazetteer_demo import DEMO_SOURCE
from incidents.tests.factories_api import kuwait_reference, square_feature, write_geojson
from khareetaty.accounts.choices import Role
from khareetaty.audit.models import ActionLog
from khareetaty.management.commands.setup_demo import app_demo_commands

pytestmark = pytest.mark.django_db

FIELDS = PlaceFields(
    code="code",
    name="name",
    name_ar="name_ar",
    kind_field="kind",
    parent_field="area",
)  # no region field: an area goes to the region containing it
SALMIYA = (48.070, 29.333)


def salmiya_file(tmp_path, blocks=(10, 11)):
    lon, lat = SALMIYA
    features = [
        square_feature("SAL", "Salmiya", lon, lat, half=0.02, kind="area", name_ar="السالمية")
    ]
    features += [
        square_feature(
            f"SAL-{n}", str(n), lon - 0.01 + 0.005 * i, lat, half=0.002, kind="block", area="SAL"
        )
        for i, n in enumerate(blocks)
    ]
    return write_geojson(tmp_path / "gazetteer.geojson", features)


def test_areas_and_blocks_load_with_their_region_and_parent(tmp_path):
    kuwait_reference()
    report = places_load(path=salmiya_file(tmp_path), profile="kuwait", fields=FIELDS)

    area = Place.objects.get(code="SAL")
    block = Place.objects.get(code="SAL-10")
    assert (area.kind, area.name_ar, area.region.code) == ("area", "السالمية", "KW-HA")
    assert (block.kind, block.parent, block.region.code) == ("block", area, "KW-HA")
    assert report.created == {"area": 1, "block": 2}
    assert ActionLog.objects.filter(action="places_load").count() == 1


def test_a_reload_updates_by_code_and_removes_places_missing_from_the_file(tmp_path):
    kuwait_reference()
    places_load(path=salmiya_file(tmp_path), profile="kuwait", fields=FIELDS)
    first_id = Place.objects.get(code="SAL-10").pk

    report = places_load(path=salmiya_file(tmp_path, blocks=(10,)), profile="kuwait", fields=FIELDS)

    assert Place.objects.get(code="SAL-10").pk == first_id
    assert not Place.objects.filter(code="SAL-11").exists()
    assert report.removed["block"] == 1 and report.updated == {"area": 1, "block": 1}


def test_a_block_of_an_unknown_area_is_named_and_nothing_changes(tmp_path):
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            square_feature(
                "X-1", "1", 48.0, 29.3, half=0.002, kind="block", area="NOPE", name_ar=""
            ),
            square_feature("Y", "Y", 48.1, 29.3, half=0.002, kind="street", area="", name_ar=""),
        ],
    )
    with pytest.raises(ReferenceDataError) as caught:
        places_load(path=path, profile="kuwait", fields=FIELDS)
    problems = caught.value.problems
    assert any("feature 1" in p and "NOPE" in p for p in problems)
    assert any("feature 2" in p and "not area or block" in p for p in problems)
    assert not Place.objects.exists()


def test_a_shapefile_in_utm_loads_through_the_regions_reader(tmp_path):
    if not shutil.which("ogr2ogr"):
        pytest.fail("ogr2ogr (gdal-bin) is needed to build the shapefile fixture")
    kuwait_reference()
    shapefile = tmp_path / "areas.shp"
    source = salmiya_file(tmp_path)
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:32639", str(shapefile), str(source)],
        check=True,
    )
    report = places_load(path=shapefile, profile="kuwait", fields=FIELDS)
    assert "UTM zone 39N" in report.source_srs
    centroid = Place.objects.get(code="SAL").geom.centroid
    assert centroid.x == pytest.approx(SALMIYA[0], abs=1e-4)
    assert centroid.y == pytest.approx(SALMIYA[1], abs=1e-4)


def test_load_gazetteer_command_reports_and_turns_bad_input_into_a_clear_error(tmp_path, capsys):
    kuwait_reference()
    path = salmiya_file(tmp_path)
    args = ["--code-field", "code", "--name-field", "name", "--kind-field", "kind"]
    call_command("load_gazetteer", str(path), *args, "--parent-field", "area")
    assert "3 places loaded" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no field nom"):
        call_command(
            "load_gazetteer",
            str(path),
            "--code-field",
            "code",
            "--name-field",
            "nom",
            "--kind",
            "area",
        )


def test_the_demo_gives_every_governorate_areas_with_twelve_blocks_labelled_as_demo(
    settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    kuwait_reference()
    call_command("setup_gazetteer_demo")
    call_command("setup_gazetteer_demo")  # idempotent

    areas = Place.objects.filter(kind="area")
    assert set(areas.values_list("region__code", flat=True)) == {
        "KW-KU",
        "KW-HA",
        "KW-FA",
        "KW-MU",
        "KW-AH",
        "KW-JA",
    }
    salmiya = areas.get(name_en="Salmiya")
    assert salmiya.children.count() == 12
    assert set(Place.objects.values_list("source", flat=True)) == {DEMO_SOURCE}
    assert (tmp_path / "demo" / "kuwait_gazetteer_demo.geojson").exists()
    assert "setup_gazetteer_demo" in app_demo_commands()  # run by setup_demo


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Salmiya block 10", ("salmiya", "10")),
        ("go to salmiya 10", ("salmiya", "10")),
        ("السالمية قطعة \u0661\u0660", ("السالمية", "10")),
        ("Jleeb Al-Shuyoukh", ("jleeb al-shuyoukh", None)),
    ],
)
def test_a_typed_query_splits_into_place_name_and_block_number(query, expected):
    assert place_query_parse(query) == expected


def test_search_finds_the_block_by_number_in_english_and_arabic(tmp_path):
    kuwait_reference()
    places_load(path=salmiya_file(tmp_path), profile="kuwait", fields=FIELDS)
    for query in ("Salmiya block 10", "السالمية قطعة \u0661\u0660"):
        results = place_search(query=query, profile="kuwait")
        assert [r["code"] for r in results] == ["SAL-10"]
        assert results[0]["area_en"] == "Salmiya"
        west, _south, _east, north = results[0]["bbox"]
        assert west == pytest.approx(SALMIYA[0] - 0.012) and north == pytest.approx(
            SALMIYA[1] + 0.002
        )


def test_search_without_a_number_lists_regions_and_areas_exact_names_first(tmp_path):
    kuwait_reference()
    places_load(path=salmiya_file(tmp_path), profile="kuwait", fields=FIELDS)
    Place.objects.filter(code="SAL").update(name_en="Hawalli")
    kinds = [r["kind"] for r in place_search(query="hawalli", profile="kuwait")]
    assert kinds == ["region", "area"]
    assert place_search(query="nowhere 5") == []


@pytest.mark.parametrize(
    "role", [Role.VIEWER, Role.ANALYST, Role.SUPERADMIN, Role.FIELD_SUPERVISOR]
)
def test_every_role_searches_and_reads_outlines(client_for, role, tmp_path):
    kuwait_reference()
    places_load(path=salmiya_file(tmp_path), profile="kuwait", fields=FIELDS)
    client = client_for(role)

    found = client.get("/api/places/", {"q": "Salmiya block 11"})
    outlines = client.get("/api/places/outlines/", {"bbox": "48.0,29.3,48.1,29.4", "kind": "block"})

    assert found.status_code == 200 and found.json()["results"][0]["code"] == "SAL-11"
    assert outlines.status_code == 200
    assert sorted(f["properties"]["code"] for f in outlines.json()["features"]) == [
        "SAL-10",
        "SAL-11",
    ]


def test_anonymous_callers_are_refused(api_client):
    assert api_client.get("/api/places/", {"q": "x"}).status_code in (401, 403)
    assert api_client.get("/api/places/outlines/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/places/", {}, "q"),
        ("/api/places/", {"q": "x" * 201}, "q"),
        ("/api/places/", {"q": "Salmiya", "limit": "0"}, "limit"),
        ("/api/places/outlines/", {"bbox": "1,2,3"}, "bbox"),
        ("/api/places/outlines/", {"kind": "street"}, "kind"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(client_for, path, params, field):
    response = client_for(Role.VIEWER).get(path, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_outlines_are_cached_until_a_place_changes(
    client_for, tmp_path, django_assert_max_num_queries
):
    kuwait_reference()
    places_load(path=salmiya_file(tmp_path), profile="kuwait", fields=FIELDS)
    client = client_for(Role.VIEWER)
    client.get("/api/places/outlines/", {"kind": "area"})
    with django_assert_max_num_queries(4):  # session/user, the version; no outline query
        again = client.get("/api/places/outlines/", {"kind": "area"})
    assert again.json()["features"][0]["properties"]["name_en"] == "Salmiya"
    Place.objects.filter(code="SAL").update(name_en="Salmiya (renamed)")
    Place.objects.get(code="SAL").save()
    renamed = client.get("/api/places/outlines/", {"kind": "area"})
    assert renamed.json()["features"][0]["properties"]["name_en"] == "Salmiya (renamed)"
