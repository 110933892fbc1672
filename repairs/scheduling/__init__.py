"""Appointments (预约时段), the technician's day route, live arrival times and privacy numbers."""
