"""Admin for units and shifts (map widget; writes through the services), read-only views
of places, plans and visits."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdminMixin

from khareetaty.audit.admin import AuditedModelAdmin
from patrol.models import PatrolPlace, Plan, PlanItem, Shift, TravelTime, Unit, Visit
from patrol.services.units import shift_check, shift_create, shift_update, unit_create, unit_update


@admin.register(Unit)
class UnitAdmin(LeafletGeoAdminMixin, AuditedModelAdmin):
    list_display = ["call_sign", "kind", "team", "status", "profile"]
    list_filter = ["kind", "status", "profile"]
    search_fields = ["call_sign"]

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        if change:
            unit_update(unit=obj, actor=request.user, **fields)
        else:
            data = {
                k: v for k, v in form.cleaned_data.items() if k not in ("call_sign", "geom", "team")
            }
            saved = unit_create(
                actor=request.user, call_sign=obj.call_sign, geom=obj.geom, team=obj.team, **data
            )
            obj.pk = saved.pk


class ShiftForm(admin.ModelAdmin.form):
    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            shift_check(self.instance)
        except Exception as exc:  # noqa: BLE001 (a ValidationError shown on the form)
            self.add_error(None, exc)


@admin.register(Shift)
class ShiftAdmin(AuditedModelAdmin):
    list_display = ["unit", "start", "end", "patrol_minutes"]
    list_filter = ["regions"]
    filter_horizontal = ["regions"]
    form = ShiftForm

    def save_model(self, request, obj, form, change):
        pass  # saved with its regions in save_related, through the service

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        fields = {k: data[k] for k in ("unit", "start", "end", "patrol_minutes")}
        if change:
            shift_update(
                shift=form.instance, actor=request.user, regions=list(data["regions"]), **fields
            )
        else:
            form.instance = shift_create(
                actor=request.user, regions=list(data["regions"]), **fields
            )


class ReadOnly(LeafletGeoAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PlanItemInline(admin.TabularInline):
    model = PlanItem
    extra = 0
    fields = ["unit", "place", "planned_minutes", "windows", "task"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnly):
    list_display = [
        "id",
        "profile",
        "window_start",
        "status",
        "objective",
        "greedy_objective",
        "gap",
    ]
    list_filter = ["status", "profile"]
    inlines = [PlanItemInline]


@admin.register(PatrolPlace)
class PatrolPlaceAdmin(ReadOnly):
    list_display = ["id", "profile", "region", "rate", "from_hotspot", "is_active"]
    list_filter = ["profile", "is_active", "region"]


@admin.register(Visit)
class VisitAdmin(ReadOnly):
    list_display = ["unit", "place", "arrival", "departure", "source"]


@admin.register(TravelTime)
class TravelTimeAdmin(AuditedModelAdmin):
    """The loaded travel table (``manage.py load_patrol_travel``); rows editable, audited."""

    list_display = ["origin", "destination", "minutes", "profile", "loaded_at"]
    list_filter = ["profile"]
