"""Tasks on a real Celery worker that logs in as the runtime role, as in production."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.conf import settings

from ops.models import AuditLog, AuditSeal
from tests.databases import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    # A Redis database of its own per run, so no other worker takes the task.
    return f"redis://127.0.0.1:6379/{9 + os.getpid() % 6}"


@pytest.fixture
def worker(broker_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(user="mingus_app"),
        "DATABASE_OWNER_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "DEBUG": "true",
        "VAR_DIR": str(tmp_path),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "AUDIT_SEAL_KEY": settings.AUDIT_SEAL_KEY,
    }
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    command = [sys.executable, "-m", "celery", "-A", "mingus", "worker", "--pool=solo", "-n", name, "-l", "info"]
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield process, tmp_path / "worker.log"
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_the_seal_task_runs_on_a_worker_logged_in_as_the_runtime_role(worker, broker_url):
    process, log = worker
    AuditLog.objects.create(action="test_event", actor="test")  # something to seal
    app = Celery(broker=broker_url)
    app.send_task("ops.seal_audit_log")
    deadline = time.monotonic() + 90
    while not AuditSeal.objects.exists():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the worker never sealed:\n" + log.read_text()
        time.sleep(0.5)
    seal = AuditSeal.objects.get()
    assert seal.row_count >= 1
    assert "succeeded" in log.read_text()
