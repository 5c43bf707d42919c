"""Stems stored before the allow-list existed (imports kept any HTML): cleaned once, like new ones."""

from django.db import migrations


def clean_stems(apps, schema_editor):
    from core.richtext import clean_rich_text, is_markup

    Question = apps.get_model("exams", "Question")
    changed = []
    for question in Question.objects.filter(stem__contains="<").only("pk", "stem").iterator():
        if is_markup(question.stem):
            cleaned = clean_rich_text(question.stem)
            if cleaned != question.stem:
                question.stem = cleaned
                changed.append(question)
    Question.objects.bulk_update(changed, ["stem"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("exams", "0001_initial")]

    operations = [migrations.RunPython(clean_stems, migrations.RunPython.noop)]
