#!/usr/bin/python3
# Independent WebSocket client (Debian's python3-websocket, websocket-client) for the gateway tests:
# connects with a subprotocol, sends binary messages, checks the echoes, closes with 1000.
# Usage: ws_echo_client.py URL SUBPROTOCOL COUNT SIZE  -> prints "OK <subprotocol>" on success.
import sys
import websocket

url, proto, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ws = websocket.create_connection(url, subprotocols=[proto], timeout=10)
for i in range(count):
    payload = bytes((i + k) % 256 for k in range(size))
    ws.send_binary(payload)
    opcode, data = ws.recv_data()
    if opcode != websocket.ABNF.OPCODE_BINARY or data != payload:
        print("MISMATCH", i, opcode, len(data))
        sys.exit(1)
ws.ping(b"hi")
ws.close(status=1000)
print("OK", ws.subprotocol if hasattr(ws, "subprotocol") else proto)
