"""Source profiles load, and a wrong profile names its file and field."""

import pytest

from incidents.profiles import ProfileError, available_profiles, load_profile, parse_profile

VALID = """
name: {name}
timezone: Asia/Kuwait
columns: {{category: cat, occurred_at: when, lon: x, lat: y}}
categories: {{Theft: theft}}
service_area: {{bbox: [46.5, 28.5, 48.5, 30.1]}}
"""


def write(tmp_path, text: str, name: str = "partner"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_load():
    assert {"kuwait", "chicago"} <= set(available_profiles())
    kuwait = load_profile()
    assert kuwait.name == "kuwait"
    assert kuwait.weekend == (5, 6)  # Friday, Saturday
    assert kuwait.map_category("  حادث   مروري ") == "traffic_accident"
    chicago = load_profile("chicago")
    assert chicago.timezone == "America/Chicago"
    assert chicago.regions.derive == "convex_hull"


def test_chicago_maps_all_33_source_categories_or_excludes_them():
    chicago = load_profile("chicago")
    labels = """THEFT BATTERY|CRIMINAL DAMAGE|ASSAULT|OTHER OFFENSE|DECEPTIVE PRACTICE|NARCOTICS|
    BURGLARY|ROBBERY|MOTOR VEHICLE THEFT|CRIMINAL TRESPASS|WEAPONS VIOLATION|
    OFFENSE INVOLVING CHILDREN|PUBLIC PEACE VIOLATION|CRIM SEXUAL ASSAULT|
    INTERFERENCE WITH PUBLIC OFFICER|PROSTITUTION|SEX OFFENSE|HOMICIDE|ARSON|
    LIQUOR LAW VIOLATION|GAMBLING|KIDNAPPING|STALKING|INTIMIDATION|OBSCENITY|
    CONCEALED CARRY LICENSE VIOLATION|NON-CRIMINAL|PUBLIC INDECENCY|HUMAN TRAFFICKING|
    NON - CRIMINAL|OTHER NARCOTIC VIOLATION|NON-CRIMINAL (SUBJECT SPECIFIED)"""
    labels = [
        label.strip() for label in labels.replace("THEFT BATTERY", "THEFT|BATTERY").split("|")
    ]
    assert len(labels) == 33
    nine = {"theft", "burglary", "robbery", "assault", "vandalism", "drug_offence", "fraud",
            "traffic_accident", "public_disorder"}  # fmt: skip
    for label in labels:
        code = chicago.map_category(label)
        excluded = label.casefold() in chicago.excluded_categories
        assert excluded != (code in nine), label


def test_unknown_profile_lists_the_available_ones():
    with pytest.raises(ProfileError, match="kuwait"):
        load_profile("atlantis")


def test_valid_custom_profile_parses(tmp_path):
    profile = parse_profile(write(tmp_path, VALID.format(name="partner")))
    assert profile.source == "partner"
    assert profile.map_category("THEFT") == "theft"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (VALID.format(name="other"), "name"),
        (VALID.format(name="partner").replace("Asia/Kuwait", "Mars/Olympus"), "timezone"),
        (VALID.format(name="partner").replace("lon: x, lat: y", "lon: x"), "columns"),
        (
            VALID.format(name="partner").replace("Theft: theft", "Theft: Not A Code"),
            "categories.Theft",
        ),
        (
            VALID.format(name="partner").replace(
                "[46.5, 28.5, 48.5, 30.1]", "[48.5, 28.5, 46.5, 30.1]"
            ),
            "service_area.bbox",
        ),
        (VALID.format(name="partner") + "weekend: [fri, funday]\n", "weekend"),
        (VALID.format(name="partner") + "colour: blue\n", "colour"),
        (VALID.format(name="partner") + "encoding: latin-9\n", "encoding"),
        (VALID.format(name="partner") + "night_hours: {start: 25, end: 6}\n", "night_hours.start"),
        (VALID.format(name="partner") + "crs: 999999\n", "crs"),
        (VALID.format(name="partner").replace("lat: y", "lat: y, colour: c"), "columns.colour"),
        (
            VALID.format(name="partner") + "validation: {max_lengths: {area: 0}}\n",
            "validation.max_lengths.area",
        ),
        ("- name\n- partner\n", "(top level)"),
        ("name: partner\n: : :\n", "YAML"),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path, text, field):
    with pytest.raises(ProfileError) as caught:
        parse_profile(write(tmp_path, text))
    assert "partner.yaml" in caught.value.message
    assert field in caught.value.message
