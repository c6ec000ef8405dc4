#!/usr/bin/env bash
# Entry point of the MINGUS Ops image. The first argument picks the role:
#
#   web     apply migrations (as the owner), then serve with gunicorn on 0.0.0.0:8000
#   worker  Celery worker
#   beat    Celery beat (periodic task scheduler)
#   *       anything else is run as given (e.g. `python manage.py shell`)
#
# Extra arguments after a role are passed on to gunicorn / celery.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: entrypoint.sh web|worker|beat [extra args] | COMMAND [ARGS...]" >&2
    exit 64
fi

role="$1"
shift

case "$role" in
    web)
        # Migrations run before gunicorn starts. If several web containers
        # start at once they would all migrate: scale web only after the first
        # one is up, or run `python manage.py migrate` as a one-off instead.
        python manage.py migrate --noinput
        # The runtime role is created by the migrations; give it DATABASE_URL's password.
        python manage.py sync_runtime_password
        exec gunicorn mingus.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers 3 \
            --access-logfile - \
            "$@"
        ;;
    worker)
        exec celery -A mingus worker -l info "$@"
        ;;
    beat)
        # Run exactly ONE beat process for the whole deployment. Beat does not
        # coordinate with other beat processes: every one of them reads the
        # schedule and sends each due task on its own, so two beats send every
        # periodic task twice.
        exec celery -A mingus beat -l info \
            --scheduler django_celery_beat.schedulers:DatabaseScheduler \
            "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
