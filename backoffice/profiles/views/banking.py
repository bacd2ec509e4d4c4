"""Placeholder: replaced by the real views."""

from django.http import Http404


def banking(request, *args, **kwargs):
    raise Http404


def edit_banking(request, *args, **kwargs):
    raise Http404


def reveal_account(request, *args, **kwargs):
    raise Http404


def tax(request, *args, **kwargs):
    raise Http404


def edit_tax(request, *args, **kwargs):
    raise Http404
