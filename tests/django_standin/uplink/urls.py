"""HTTP routes: the admin, DRF's token endpoint and the v1 API (products, orders)."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter
from shop.views import OrderViewSet, ProductViewSet

router = DefaultRouter()
router.register("products", ProductViewSet)
router.register("orders", OrderViewSet)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-token-auth/", obtain_auth_token),
    path("api/v1/", include(router.urls)),
]
