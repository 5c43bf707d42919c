"""Background work for certificates (django-tasks: immediate by default, a DB queue in production).

The rendering itself lives here, below ``printing`` (which chooses the certificates, creates
the job and enqueues it), so the two import one way only.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone
from django_tasks import task

from learning.certificates.models import Certificate, PrintJob, PrintJobStatus
from learning.certificates.render import render_pdf, render_zip


@task()
def render_print_job(job_id: int) -> None:
    run_print_job(job_id)


def run_print_job(job_id: int) -> PrintJob:
    """Render the job's merged PDF (and zip), reporting progress in the job row."""
    job = PrintJob.objects.get(pk=job_id)
    PrintJob.objects.filter(pk=job.pk).update(status=PrintJobStatus.RUNNING, done_count=0)
    steps = job.total * (2 if job.want_zip else 1)

    def progress(done: int, _total: int, offset: int = 0) -> None:
        # Shown as a share of the whole job; the zip pass comes after the merged PDF.
        PrintJob.objects.filter(pk=job.pk).update(done_count=min(job.total, (offset + done) * job.total // steps))

    try:
        certs = list(Certificate.objects.filter(pk__in=job.certificate_ids))
        order = {pk: i for i, pk in enumerate(job.certificate_ids)}
        certs.sort(key=lambda c: order[c.pk])
        pdf = render_pdf(certs, base_url=job.base_url or None, progress=progress)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        job.pdf.save(f"certificates-{job.pk}-{stamp}.pdf", ContentFile(pdf), save=False)
        if job.want_zip:
            data = render_zip(certs, base_url=job.base_url or None, progress=lambda d, t: progress(d, t, job.total))
            job.zip_file.save(f"certificates-{job.pk}-{stamp}.zip", ContentFile(data), save=False)
        job.status = PrintJobStatus.DONE
        job.done_count = job.total
        job.finished_at = timezone.now()
        job.save(update_fields=["pdf", "zip_file", "status", "done_count", "finished_at"])
    except Exception as exc:
        PrintJob.objects.filter(pk=job.pk).update(
            status=PrintJobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    return job
