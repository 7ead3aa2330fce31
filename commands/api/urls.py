app_name = "commands"

urlpatterns = []
