from django.core.management.base import BaseCommand

from exams.services import submit_expired_attempts


class Command(BaseCommand):
    help = "为已过截止时间的答卷自动交卷（供定时任务每分钟运行）"

    def handle(self, *args, **options):
        count = submit_expired_attempts()
        self.stdout.write(f"自动交卷 {count} 份")
