"""The stand-in's own test suite (`manage.py test`, the checklist's `test-suite` probe)."""

from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import TestCase
from rest_framework.test import APIClient
from uplink.asgi import application

from shop.models import Product


class TokenAuthTests(TestCase):
    def setUp(self) -> None:
        User.objects.create_user("tester", password="pw-for-tests")
        self.client = APIClient()

    def test_token_from_a_form(self) -> None:
        answer = self.client.post("/api-token-auth/", {"username": "tester", "password": "pw-for-tests"})
        self.assertEqual(answer.status_code, 200)
        self.assertIn("token", answer.json())

    def test_token_from_json(self) -> None:
        answer = self.client.post(
            "/api-token-auth/", {"username": "tester", "password": "pw-for-tests"}, format="json"
        )
        self.assertEqual(answer.status_code, 200)

    def test_wrong_password_is_400(self) -> None:
        answer = self.client.post("/api-token-auth/", {"username": "tester", "password": "nope"})
        self.assertEqual(answer.status_code, 400)


class ProductApiTests(TestCase):
    def setUp(self) -> None:
        self.client = APIClient()
        self.client.force_authenticate(User.objects.create_user("tester"))

    def test_create_then_search(self) -> None:
        made = self.client.post(
            "/api/v1/products/", {"sku": "T-1", "name": "Tracker", "price": "9.50"}, format="json"
        )
        self.assertEqual(made.status_code, 201)
        found = self.client.get("/api/v1/products/", {"search": "Track"}).json()
        self.assertEqual(found["count"], 1)

    def test_empty_post_is_400_with_field_errors(self) -> None:
        answer = self.client.post("/api/v1/products/", {}, format="json")
        self.assertEqual(answer.status_code, 400)
        self.assertIn("sku", answer.json())

    def test_anonymous_is_401(self) -> None:
        Product.objects.create(sku="T-2", name="Gateway", price="1.00")
        answer = APIClient().get("/api/v1/products/")
        self.assertEqual(answer.status_code, 401)


class DeviceSocketTests(TestCase):
    async def test_ping_pong(self) -> None:
        socket = WebsocketCommunicator(application, "/ws/devices/")
        connected, _ = await socket.connect()
        self.assertTrue(connected)
        self.assertEqual((await socket.receive_json_from())["type"], "hello")
        await socket.send_json_to({"type": "ping"})
        self.assertEqual(await socket.receive_json_from(), {"type": "pong"})
        await socket.disconnect()
