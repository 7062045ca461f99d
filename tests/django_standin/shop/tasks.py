"""Background tasks run by the Huey consumer (`manage.py run_huey`).

`heartbeat` stands in for the project's periodic jobs: it logs the catalogue's size and
schedules itself again 5 seconds later, so the consumer logs "Executing shop.tasks.heartbeat"
every few seconds (a crontab task could run at most once a minute). The consumer starts the
chain when it starts; `scripts/django-standin` empties the queue before each start, so restarts
never pile up chains.
"""

import logging

from huey.contrib.djhuey import HUEY, db_task

logger = logging.getLogger("shop.tasks")

INTERVAL = 5


@db_task()
def heartbeat() -> None:
    from shop.models import Product

    logger.info("heartbeat: %d products in the catalogue", Product.objects.count())
    heartbeat.schedule(delay=INTERVAL)


@HUEY.on_startup()
def start_heartbeat() -> None:
    heartbeat()
