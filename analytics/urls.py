from django.urls import path

from analytics import views

app_name = "analytics_web"

urlpatterns = [
    path("", views.analytics_page, name="page"),
    path("transparency/", views.transparency_page, name="transparency"),
]
