"""Date and time formats of the two UI languages (``FORMAT_MODULE_PATH``).

Both languages show day-month-year and 24-hour time, so no date on the platform can be read
two ways (Django's English default is US style: "12/06/2025", "4 p.m."). The first entry of
``DATE_INPUT_FORMATS`` and ``DATETIME_INPUT_FORMATS`` is ISO 8601, because that is what
``<input type="date">`` and ``<input type="datetime-local">`` need as their value: a localised
value ("06.12.2025") leaves the browser's date field empty. Typed dates in the local style
are still accepted by forms (the later entries).

Only what differs from Django's own locale files is set here; Django falls back to those for
the rest (separators, first day of the week for Polish).
"""
