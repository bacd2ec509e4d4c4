from django.conf import settings


def phone_uri(phone: str) -> str:
    """A tel: URI for a US phone number written for people, "(626) 338-8081"."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 10:
        digits = "1" + digits
    return f"tel:+{digits}"


def company(request) -> dict:
    return {
        "company": {
            "name": settings.COMPANY_NAME,
            "address": settings.COMPANY_ADDRESS,
            "support_phone": settings.COMPANY_SUPPORT_PHONE,
            "support_phone_uri": phone_uri(settings.COMPANY_SUPPORT_PHONE),
            "support_hours": settings.COMPANY_SUPPORT_HOURS,
            "support_email": settings.COMPANY_SUPPORT_EMAIL,
        }
    }
