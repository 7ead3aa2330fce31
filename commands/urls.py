from django.urls import path

from commands import views

app_name = "commands_web"

urlpatterns = [
    path("start/", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("map/incidents", views.map_incidents, name="map_incidents"),
    path("map/daily", views.map_daily, name="map_daily"),
    path("map/compare", views.map_compare, name="map_compare"),
    path("field/", views.field_home, name="field_home"),
    path("field/tasks/<int:task_id>/", views.field_task, name="field_task"),
    path("accounts/language/", views.language_set, name="language_set"),
]
