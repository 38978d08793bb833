"""Hotline: reports of web addresses of suspected child sexual abuse material.

The Django-free cores live in :mod:`ostoja.hotline.url_canonical`,
:mod:`ostoja.hotline.priority` and :mod:`ostoja.hotline.defang`. Keep this file free of
Django imports so those cores stay importable (and testable) without settings.
"""
