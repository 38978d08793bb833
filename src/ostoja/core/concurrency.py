"""Optimistic concurrency for edit forms (organisations, events' set-up pages).

The form carries the ``version`` the editor loaded and a signed snapshot of the values they
saw. When the service answers that the row is stale (someone saved first), the form is shown
again with a table of what the other editor changed (template ``core/_conflict.html``): where
this editor had left a field as loaded, the other change is taken over; where both changed it,
this editor's input is kept and marked. The next save is made against the current version, a
deliberate decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def comparable(value):
    """A value as the form would post it (a string, or a list of strings)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime(DATETIME_FORMAT)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "all"):  # a related manager (speakers)
        value = value.all()
    if not isinstance(value, str) and hasattr(value, "__iter__"):
        return sorted(str(getattr(v, "pk", v)) for v in value)
    return str(value)


class VersionedForm(forms.Form):
    """A form whose ``TRACKED`` fields are compared with the row as it is now on a conflict.

    Subclasses set ``TRACKED`` and ``SNAPSHOT_SALT`` (one per app, so a snapshot signed for
    one kind of form is not accepted by another); they may override :meth:`display_value`
    (how a stored value reads) and :meth:`posted_value` (what this editor submitted)."""

    TRACKED: tuple[str, ...] = ()
    SNAPSHOT_SALT = "ostoja.edit-snapshot"

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    snapshot = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def snapshot_of(cls, obj) -> str:
        return signing.dumps(
            {f: comparable(getattr(obj, f)) for f in cls.TRACKED}, salt=cls.SNAPSHOT_SALT
        )

    @classmethod
    def initial_for(cls, obj) -> dict:
        initial = {}
        for f in cls.TRACKED:
            value = getattr(obj, f)
            initial[f] = list(value.all()) if hasattr(value, "all") else value
        initial["version"] = obj.version
        initial["snapshot"] = cls.snapshot_of(obj)
        return initial

    def display_value(self, field: str, value) -> str:
        if isinstance(value, list):
            return ", ".join(self.display_value(field, v) for v in value) or "—"
        form_field = self.fields[field]
        if isinstance(form_field, forms.BooleanField):
            return _("yes") if value else _("no")
        choices = getattr(form_field, "choices", None)
        if choices is not None:
            labels = {str(k): str(label) for k, label in choices}
            if str(value) in labels:
                return labels[str(value)]
        return str(value) if value not in ("", None) else "—"

    def posted_value(self, field: str):
        if self.is_bound and hasattr(self, "cleaned_data") and field in self.cleaned_data:
            return comparable(self.cleaned_data[field])
        return comparable(self.data.get(field))

    def changes_since_loaded(self, current) -> list[dict]:
        """What someone else changed since this form was loaded (label, then, now, yours, and
        whether this editor changed the field too: a real clash)."""
        try:
            seen = signing.loads(self.data.get("snapshot") or "", salt=self.SNAPSHOT_SALT)
        except signing.BadSignature:
            seen = None
        changes = []
        for field in self.TRACKED:
            now = comparable(getattr(current, field))
            yours = self.posted_value(field)
            if seen is not None and seen.get(field) == now:
                continue
            if seen is None and yours == now:
                continue
            changes.append(
                {
                    "field": field,
                    "label": self.fields[field].label,
                    "before": self.display_value(field, seen.get(field)) if seen else "?",
                    "now": self.display_value(field, now),
                    "now_raw": now,
                    "yours": self.display_value(field, yours),
                    "clash": seen is None or yours != seen.get(field),
                }
            )
        return changes

    def merged_data(self, changes: list[dict], current):
        data = self.data.copy()
        for change in changes:
            if change["clash"]:
                continue
            field, now = change["field"], change["now_raw"]
            if isinstance(now, list):
                data.setlist(field, now)
            elif isinstance(self.fields[field], forms.BooleanField) and not now:
                data.pop(field, None)
            else:
                data[field] = now
        data["version"] = current.version
        data["snapshot"] = self.snapshot_of(current)
        return data
