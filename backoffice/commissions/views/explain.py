"""Placeholder: replaced by the real views."""

from django.http import Http404


def why(request, *args, **kwargs):
    raise Http404


def what_if(request, *args, **kwargs):
    raise Http404
