from __future__ import annotations

from django.db import models


class DataVersion(models.Model):
    """A counter that moves whenever the data behind a cache changes (see ``core.versions``)."""

    key = models.CharField("键", max_length=100, primary_key=True)
    value = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
