
from django.db import migrations, models


def fill(apps, schema_editor) -> None:
    """Existing pairs get their figures from the same rule every later write keeps them by."""
    if not apps.get_model("plans", "StudyPlan").objects.exists():
        return
    from learning.plans.services import rebuild_plan_progress

    rebuild_plan_progress()


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0001_initial'),
        # The rule (services.with_progress) reads the ledger, completions and the seminar topics.
        ('hours', '0002_hourrule_reflection_hours_alter_ledgerentry_kind'),
        ('seminars', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='planrecipient',
            name='done_items',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='已完成项'),
        ),
        migrations.AddField(
            model_name='planrecipient',
            name='done_required',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='已完成必学项'),
        ),
        migrations.AddField(
            model_name='planrecipient',
            name='hours_in_period',
            field=models.DecimalField(decimal_places=2, default=0, editable=False, max_digits=8, verbose_name='计划期内学时'),
        ),
        migrations.AddField(
            model_name='studyplan',
            name='required_items',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='必学项数'),
        ),
        migrations.AddField(
            model_name='studyplan',
            name='all_items',
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name='学习内容项数'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
