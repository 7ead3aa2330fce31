from django.apps import AppConfig


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = "Patrol"
    # Run by ``setup_demo`` after the lower apps' demo (by name: nothing imports patrol).
    demo_command = "setup_patrol_demo"
