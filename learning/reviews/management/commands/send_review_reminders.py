"""Daily, for cron: `python manage.py send_review_reminders` once a day.

Closes (and counts) the ballots still open after their round's window, then reminds members and
secretaries of 整改 due within 7 days or overdue.
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "结束评议期已过仍未结束的民主测评并计票；提醒整改期限临近（7 天内）或已逾期的党员及其支部书记"
        "（每天运行一次，同一整改同一天只提醒一次）"
    )

    def handle(self, *args, **options):
        from learning.reviews.services import close_expired_ballots, send_rectification_reminders

        closed = close_expired_ballots()
        if closed:
            self.stdout.write(f"评议期已结束，自动结束 {closed} 个支部的民主测评并计票")
        count = send_rectification_reminders()
        self.stdout.write(f"已提醒 {count} 项整改" if count else "今天没有需要提醒的整改")
