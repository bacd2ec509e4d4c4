from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    from backoffice.accounts.roles import sync_roles

    sync_roles()


class AccountsConfig(AppConfig):
    name = "backoffice.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Permissions only exist after migrate has run every app; keep the staff
        # role groups in step with ROLE_PERMISSIONS each time it does.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
