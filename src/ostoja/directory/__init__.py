"""The services directory: help for people at risk of offending, victims, parents, professionals.

This package holds the Django-free cores; the Django app is built on top of them:

* :mod:`ostoja.directory.hsds` -- Open Referral HSDS 3.0 schemas, validation, pagination;
* :mod:`ostoja.directory.data` -- the field's taxonomy, the national helplines and Polish
  places, shipped as data files with loaders returning plain dicts;
* :mod:`ostoja.directory.geo` -- offline, coarse place lookup (town, postcode, voivodeship);
  nothing a help-seeker types is ever sent to an external service;
* :mod:`ostoja.directory.search_text` -- sanitising free-text search input for PostgreSQL and
  SQLite FTS5.

Nothing in this package imports Django.
"""
