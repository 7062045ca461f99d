"""The v1 API: products (full CRUD, `?search=` on SKU and name) and orders, token or session
authentication, 10 per page. Bad input is a 400 with field errors (DRF's validation)."""

from rest_framework import viewsets

from shop.models import Order, Product
from shop.serializers import OrderSerializer, ProductSerializer


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    search_fields = ("sku", "name")


class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.prefetch_related("products")
    serializer_class = OrderSerializer
    search_fields = ("reference", "customer")
