"""Placeholder: replaced by the real views."""

from django.http import Http404


def overview(request, *args, **kwargs):
    raise Http404
