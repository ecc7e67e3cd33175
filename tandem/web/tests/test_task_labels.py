"""Every background job has a Russian name in the admin's list of tasks
(tandem/web/vendor_admin.py TASK_LABELS): a new one without it showed its code path."""

import importlib
import pkgutil

from django.tasks import Task

import tandem
from tandem.web.vendor_admin import TASK_LABELS


def test_every_task_has_a_russian_label_in_the_admin() -> None:
    names = {value.func.__name__
             for module in pkgutil.walk_packages(tandem.__path__, "tandem.")
             if module.name.endswith(".tasks")
             for value in vars(importlib.import_module(module.name)).values()
             if isinstance(value, Task)}
    assert names  # the walk found the jobs
    assert names - set(TASK_LABELS) == set()
