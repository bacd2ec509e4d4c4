from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "backoffice.network"
    label = "network"
    verbose_name = "Network"

    def ready(self) -> None:
        from backoffice.network import checks  # noqa: F401 - registers the checks
