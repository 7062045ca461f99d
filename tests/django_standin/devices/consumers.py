"""The devices WebSocket (ws://HOST:WS_PORT/ws/devices/), a Channels 4 consumer.

On connect it joins the `devices` group and greets; `{"type": "ping"}` is answered with
`{"type": "pong"}`, anything else is echoed back; group messages of type `device.status` are
passed on to the browser as notifications.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

GROUP = "devices"


class DeviceConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "group": GROUP})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive_json(self, content: object, **kwargs: object) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "echo", "data": content})

    async def device_status(self, event: dict) -> None:
        await self.send_json({"type": "device.status", "device": event.get("device"),
                              "status": event.get("status")})
