app_name = "incident_batches"

urlpatterns = []
