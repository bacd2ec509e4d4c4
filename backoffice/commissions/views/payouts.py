"""Placeholder: replaced by the real views."""

from django.http import Http404


def batch(request, *args, **kwargs):
    raise Http404


def create_batch(request, *args, **kwargs):
    raise Http404


def nacha_file(request, *args, **kwargs):
    raise Http404


def batch_csv(request, *args, **kwargs):
    raise Http404


def mark_paid(request, *args, **kwargs):
    raise Http404


def holds(request, *args, **kwargs):
    raise Http404


def release(request, *args, **kwargs):
    raise Http404
