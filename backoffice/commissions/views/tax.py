"""Placeholder: replaced by the real views."""

from django.http import Http404


def tax_years(request, *args, **kwargs):
    raise Http404


def tax_summary(request, *args, **kwargs):
    raise Http404


def tax_summary_pdf(request, *args, **kwargs):
    raise Http404
