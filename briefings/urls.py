from django.urls import path

from briefings import views

app_name = "briefings_web"

urlpatterns = [
    path("briefings/", views.briefing_list, name="briefing_list"),
    path("briefings/<int:pk>/", views.briefing_detail, name="briefing_detail"),
    path("briefings/<int:pk>/<slug:language>.pdf", views.briefing_pdf, name="briefing_pdf"),
    path("handover/", views.handover_page, name="handover"),
]
