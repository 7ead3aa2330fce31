from django.urls import path

from patrol import views

app_name = "patrol_web"

urlpatterns = [
    path("my/", views.my_patrol, name="my_patrol"),
    path("plans/<int:plan_id>/summary.csv", views.shift_summary, name="shift_summary"),
]
