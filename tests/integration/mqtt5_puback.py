"""An MQTT 5 paho client that records the reason code of every PUBACK/PUBCOMP. Debian's paho 1.6
calls on_publish without it, so the packet is read as paho receives it (paho 2 passes it itself)."""
import struct
import threading

import paho.mqtt.client as mqtt


class AckClient(mqtt.Client):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("protocol", mqtt.MQTTv5)
        super().__init__(*args, **kwargs)
        self.ack_codes = {}  # mid -> reason code (0 success)
        self.ack_cond = threading.Condition()

    def _handle_pubackcomp(self, cmd):
        packet = self._in_packet["packet"]
        if len(packet) >= 2:
            mid, = struct.unpack("!H", packet[:2])
            with self.ack_cond:
                self.ack_codes[mid] = packet[2] if len(packet) > 2 else 0  # no code byte: success
                self.ack_cond.notify_all()
        return super()._handle_pubackcomp(cmd)

    def wait_acks(self, mids, timeout):
        """Reason codes of `mids`, in order; fails when one is missing after `timeout`."""
        with self.ack_cond:
            ok = self.ack_cond.wait_for(lambda: all(m in self.ack_codes for m in mids), timeout)
            assert ok, f"{sum(m in self.ack_codes for m in mids)}/{len(mids)} PUBACKs within {timeout}s"
            return [self.ack_codes[m] for m in mids]
