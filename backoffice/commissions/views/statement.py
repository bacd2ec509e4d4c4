"""Placeholder: replaced by the real views."""

from django.http import Http404


def statement(request, *args, **kwargs):
    raise Http404


def statement_csv(request, *args, **kwargs):
    raise Http404


def statement_pdf(request, *args, **kwargs):
    raise Http404
