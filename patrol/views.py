"""Pages of the patrol app: "my patrol" for field supervisors (phone)."""

from commands.permissions import ANALYSTS_AND_FIELD
from commands.views.pages import map_config
from khareetaty.pages import render_page, user_language
from khareetaty.permissions import role_required


@role_required(ANALYSTS_AND_FIELD)
@user_language
def my_patrol(request):
    """The signed-in supervisor's patrol places, visit windows, check in and out."""
    return render_page(request, "patrol/my.html", config={"map": map_config()})
