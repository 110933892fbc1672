"""Mail-in repairs (寄修): a courier picks the device up, the centre receives it by scanning the
waybill, and it goes back by courier or waits at the counter. The carrier sits behind an adapter
shaped on the SF Express open API, with a local stub of that protocol for development and tests."""
