"""Placeholder: replaced by the real views."""

from django.http import Http404


def cycles(request, *args, **kwargs):
    raise Http404


def calculate(request, *args, **kwargs):
    raise Http404


def review(request, *args, **kwargs):
    raise Http404


def recalculate(request, *args, **kwargs):
    raise Http404


def approve(request, *args, **kwargs):
    raise Http404
