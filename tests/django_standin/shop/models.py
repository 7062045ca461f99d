"""Products and orders: what the checklist's API, admin and search probes look at."""

from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sku",)

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Order(models.Model):
    STATUSES = (("new", "New"), ("paid", "Paid"), ("shipped", "Shipped"))

    reference = models.CharField(max_length=32, unique=True)
    customer = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=STATUSES, default="new")
    products = models.ManyToManyField(Product, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created", "reference")

    def __str__(self) -> str:
        return self.reference
