"""Order a technician's visits of one day into a route that respects each customer's window, with
OR-Tools' vehicle routing solver (one vehicle, time windows, waiting allowed).

Pure: takes points, windows and a travel matrix, touches no database. A visit that cannot be reached
inside its window is still routed (arriving late is penalised, never dropped) and marked late, so
the dispatcher sees the problem instead of a missing job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

from .maps import Matrix

#: Time on site per visit, minutes.
SERVICE_MINUTES = int(getattr(settings, "SCHEDULING_SERVICE_MINUTES", 60))
#: The solver's time budget per technician-day, milliseconds.
SOLVER_MS = int(getattr(settings, "SCHEDULING_SOLVER_MS", 100))
LATE_PENALTY = 1000  # per minute late: far above any detour


@dataclass(frozen=True)
class Stop:
    key: int  # the caller's id (the appointment)
    window_start: int  # minutes from midnight
    window_end: int
    service: int = SERVICE_MINUTES


@dataclass(frozen=True)
class PlannedStop:
    key: int
    arrival: int  # minutes from midnight
    travel: int  # minutes from the previous place
    km: float
    late: bool


@dataclass(frozen=True)
class Plan:
    stops: list[PlannedStop]
    travel_minutes: int
    km: float

    @property
    def feasible(self) -> bool:
        return not any(s.late for s in self.stops)


def solve(*, start_minute: int, stops: list[Stop], matrix: Matrix) -> Plan:
    """``matrix`` is (n+1)×(n+1) over [start place, *stops]. Returns the stops in visiting order."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if not stops:
        return Plan(stops=[], travel_minutes=0, km=0.0)
    n = len(stops) + 1
    travel = [[math.ceil(matrix[i][j].minutes) for j in range(n)] for i in range(n)]
    service = [0] + [s.service for s in stops]
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def transit(from_index: int, to_index: int) -> int:
        i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
        return service[i] + travel[i][j]

    def cost(from_index: int, to_index: int) -> int:
        # The day ends at the last customer: driving home is not part of the route to shorten.
        j = manager.IndexToNode(to_index)
        return 0 if j == 0 else travel[manager.IndexToNode(from_index)][j]

    callback = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost))
    horizon = 2 * 24 * 60
    routing.AddDimension(callback, 24 * 60, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    time.CumulVar(routing.Start(0)).SetRange(start_minute, horizon)
    for node, stop in enumerate(stops, start=1):
        var = time.CumulVar(manager.NodeToIndex(node))
        var.SetMin(stop.window_start)
        time.SetCumulVarSoftUpperBound(manager.NodeToIndex(node), stop.window_end, LATE_PENALTY)
    # A late start of the day is as bad as a detour: pull the departure towards the first window.
    routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(0)))
    routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(0)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(SOLVER_MS)
    # Start from the customers' own order (window by window, as booked): the search only improves on
    # it, so the plan is never later or longer than simply driving the bookings in turn.
    booked_order = sorted(range(1, n), key=lambda k: (stops[k - 1].window_start, k))
    routing.CloseModelWithParameters(params)
    initial = routing.ReadAssignmentFromRoutes([booked_order], True)
    solution = (routing.SolveFromAssignmentWithParameters(initial, params) if initial is not None
                else routing.SolveWithParameters(params))
    if solution is None:  # cannot happen with soft windows; keep the window order rather than fail
        return _in_window_order(start_minute=start_minute, stops=stops, matrix=matrix)
    out, total, km = [], 0, 0.0
    index, prev = routing.Start(0), 0
    index = solution.Value(routing.NextVar(index))
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        stop = stops[node - 1]
        arrival = solution.Min(time.CumulVar(index))
        out.append(PlannedStop(key=stop.key, arrival=arrival, travel=travel[prev][node],
                               km=round(matrix[prev][node].km, 1), late=arrival > stop.window_end))
        total += travel[prev][node]
        km += matrix[prev][node].km
        prev = node
        index = solution.Value(routing.NextVar(index))
    return Plan(stops=out, travel_minutes=total, km=round(km, 1))


def _in_window_order(*, start_minute: int, stops: list[Stop], matrix: Matrix) -> Plan:
    order = sorted(range(1, len(stops) + 1), key=lambda k: (stops[k - 1].window_start, k))
    out, clock, prev, total, km = [], start_minute, 0, 0, 0.0
    for node in order:
        stop = stops[node - 1]
        leg = math.ceil(matrix[prev][node].minutes)
        clock = max(clock + leg, stop.window_start)
        out.append(PlannedStop(key=stop.key, arrival=clock, travel=leg, km=round(matrix[prev][node].km, 1),
                               late=clock > stop.window_end))
        clock += stop.service
        total += leg
        km += matrix[prev][node].km
        prev = node
    return Plan(stops=out, travel_minutes=total, km=round(km, 1))
