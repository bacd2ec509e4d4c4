from django.tasks import task

from backoffice.library.training import actions


@task()
def send_webinar_reminders() -> int:
    """Email registrants of webinars starting within the hour (each one once)."""
    return actions.send_webinar_reminders()
