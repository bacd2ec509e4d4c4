from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "backoffice.dashboard"
    label = "dashboard"
