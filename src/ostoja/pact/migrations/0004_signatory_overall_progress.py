from collections import defaultdict

from django.db import migrations, models


def _rolled_up(items):
    """As ostoja.pact.progress.rolled_up (copied: migrations do not import the app)."""
    children, own, result = defaultdict(list), {}, {}
    for item_id, parent_id, progress in items:
        own[item_id] = progress
        children[parent_id].append(item_id)

    def value(item_id):
        if item_id not in result:
            kids = children.get(item_id)
            result[item_id] = sum(value(k) for k in kids) // len(kids) if kids else own[item_id]
        return result[item_id]

    for item_id in own:
        value(item_id)
    return result


def store_progress(apps, schema_editor):
    """Every signatory's progress per P and its mean, computed from its plan items (as
    services.refresh_progress does), so the public lists never compute them on a request."""
    Signatory = apps.get_model("pact", "Signatory")
    PlanItem = apps.get_model("pact", "PlanItem")
    for signatory_id in Signatory.objects.values_list("pk", flat=True):
        rows = list(
            PlanItem.objects.filter(signatory_id=signatory_id).values_list(
                "pk", "parent_id", "progress", "measure__pillar"
            )
        )
        values = _rolled_up((pk, parent, progress) for pk, parent, progress, _p in rows)
        sums = defaultdict(list)
        for pk, parent, _progress, pillar in rows:
            if parent is None:
                sums[pillar or "governance"].append(values[pk])
        progress = {p: sum(v) // len(v) for p, v in sums.items()}
        overall = sum(progress.values()) // len(progress) if progress else None
        Signatory.objects.filter(pk=signatory_id).update(
            progress=progress, overall_progress=overall
        )


class Migration(migrations.Migration):
    dependencies = [
        ("pact", "0003_catalogue_versions_measure_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="signatory",
            name="overall_progress",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="signatory",
            name="progress",
            field=models.JSONField(blank=True, default=dict, editable=False, null=True),
        ),
        migrations.RunPython(store_progress, migrations.RunPython.noop),
    ]
