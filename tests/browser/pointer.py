"""Real pointer input on the Leaflet map.

The position of a place on the screen is read from the map (``latLngToContainerPoint``
plus the map's box); the click itself is a real mouse click at that pixel, so a layer that
covers the feature and swallows the event fails the test as it fails a person.
"""


def map_pixel(page, lat: float, lon: float) -> tuple[float, float]:
    """The page coordinates of (lat, lon) on the dashboard map (reading only)."""
    point = page.evaluate(
        "([lat, lon]) => { const p = KHDashboard.map.latLngToContainerPoint([lat, lon]);"
        " const box = document.getElementById('map').getBoundingClientRect();"
        " return [box.left + p.x, box.top + p.y]; }",
        [lat, lon],
    )
    return point[0], point[1]


def click_map(page, lat: float, lon: float) -> None:
    x, y = map_pixel(page, lat, lon)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def hover_map(page, lat: float, lon: float) -> None:
    x, y = map_pixel(page, lat, lon)
    page.mouse.move(x - 3, y - 3)
    page.mouse.move(x, y)
