"""`manage.py standin_setup`: the stand-in's user and sample data, idempotent.

The user (a superuser, so the admin works too) is named by STANDIN_USER and gets the password in
STANDIN_PASSWORD — read from the environment, never from the command line, where `ps` would show
it. 25 products (three pages of the API, so pagination has a page 2) and 3 orders are created
once.
"""

import os

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from shop.models import Order, Product

CATEGORIES = ("trackers", "gateways", "sensors")


class Command(BaseCommand):
    help = "Create the stand-in's user (STANDIN_USER / STANDIN_PASSWORD) and sample data."

    def handle(self, *args: object, **options: object) -> None:
        name = os.environ.get("STANDIN_USER", "")
        password = os.environ.get("STANDIN_PASSWORD", "")
        if not name or not password:
            raise CommandError("set STANDIN_USER and STANDIN_PASSWORD")
        user, made = User.objects.get_or_create(username=name)
        user.is_staff = user.is_superuser = True
        user.email = f"{name}@uplink.invalid"
        user.set_password(password)
        user.save()
        if not Product.objects.exists():
            Product.objects.bulk_create(
                Product(sku=f"UPL-{n:04d}", name=f"{CATEGORIES[n % 3][:-1].title()} model {n}",
                        category=CATEGORIES[n % 3], price=f"{10 + n}.50", stock=n * 3)
                for n in range(1, 26)
            )
        if not Order.objects.exists():
            for n in range(1, 4):
                order = Order.objects.create(reference=f"ORD-{n:05d}", customer=f"Customer {n}")
                order.products.set(Product.objects.all()[:n])
        self.stdout.write(f"user {name} {'created' if made else 'updated'}; "
                          f"{Product.objects.count()} products, {Order.objects.count()} orders")
