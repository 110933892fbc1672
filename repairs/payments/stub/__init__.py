"""Local stubs of the payment gateways' protocols, for development and tests (``PAYMENTS_BACKEND=stub``).

They play the gateway's side with the gateway's keys from ``keys.stub_keys()``: they verify our
signed requests, answer with signed responses, show the page the customer pays on, and send the
signed (and, for WeChat Pay, AES-256-GCM encrypted) notification back to our callback, as the real
gateways do, from their own thread after the customer confirms. Orders are stateless: the order
travels inside the QR code or cashier link, signed with the stub's key.
"""
