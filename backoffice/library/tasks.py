from django.tasks import task

from backoffice.library import actions


@task()
def process_material(material_id: int) -> str:
    """Check an uploaded file fully, re-encode it and make its thumbnail."""
    return actions.process_material(material_id=material_id)


@task()
def generate_thumbnail(material_id: int) -> str:
    """Make the material's thumbnail and record the outcome (idempotent)."""
    return actions.generate_thumbnail(material_id=material_id)
