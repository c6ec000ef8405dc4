from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_liveness_answers_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/live")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(queries) == 0
    assert "no-cache" in response.headers["Cache-Control"] or "max-age=0" in response.headers["Cache-Control"]


def test_liveness_takes_only_get(client, db):
    assert client.post("/health/live").status_code == 405
