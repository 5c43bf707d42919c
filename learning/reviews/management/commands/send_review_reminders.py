"""整改 reminders, for cron: `python manage.py send_review_reminders` once a day."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "提醒整改期限临近（7 天内）或已逾期的党员及其支部书记（每天运行一次，同一整改同一天只提醒一次）"

    def handle(self, *args, **options):
        from learning.reviews.services import send_rectification_reminders

        count = send_rectification_reminders()
        self.stdout.write(f"已提醒 {count} 项整改" if count else "今天没有需要提醒的整改")
