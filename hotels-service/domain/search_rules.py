"""The rules a hotel search must follow, every broken one reported at once with its field."""

from __future__ import annotations

from datetime import date

from domain.errors import FieldProblem, InvalidSearch
from domain.models import Occupancy, SearchCriteria, Stay

MAX_NIGHTS = 30
MAX_ROOMS = 9
MAX_ADULTS_PER_ROOM = 4
MAX_CHILDREN_PER_ROOM = 3
MAX_CHILD_AGE = 17


def check_search(
    destination: str,
    check_in: date,
    check_out: date,
    adults: int,
    children: int,
    child_ages: list[int],
    rooms: int,
    today: date,
) -> SearchCriteria:
    """A valid search, or InvalidSearch listing every broken rule. `today` is the date in
    Indonesia (a check-in is a local date)."""
    problems: list[FieldProblem] = []
    if check_in < today:
        problems.append(FieldProblem("check_in", "Check-in cannot be in the past."))
    if check_out <= check_in:
        problems.append(FieldProblem("check_out", "Check-out must be after check-in."))
    elif (check_out - check_in).days > MAX_NIGHTS:
        problems.append(FieldProblem("check_out", f"A stay can be at most {MAX_NIGHTS} nights."))
    if not 1 <= rooms <= MAX_ROOMS:
        problems.append(FieldProblem("rooms", f"Book between 1 and {MAX_ROOMS} rooms."))
    if adults < max(rooms, 1):
        problems.append(FieldProblem("adults", "Every room needs at least one adult."))
    elif rooms >= 1 and adults > MAX_ADULTS_PER_ROOM * rooms:
        problems.append(FieldProblem("adults", f"At most {MAX_ADULTS_PER_ROOM} adults per room."))
    if children < 0:
        problems.append(FieldProblem("children", "Children cannot be negative."))
    elif rooms >= 1 and children > MAX_CHILDREN_PER_ROOM * rooms:
        problems.append(FieldProblem("children", f"At most {MAX_CHILDREN_PER_ROOM} children per room."))
    if children >= 0 and len(child_ages) != children:
        problems.append(
            FieldProblem(
                "child_ages", f"Give one age per child: {children} expected, {len(child_ages)} given."
            )
        )
    for i, age in enumerate(child_ages):
        if not 0 <= age <= MAX_CHILD_AGE:
            problems.append(FieldProblem(f"child_ages.{i}", f"A child's age is 0 to {MAX_CHILD_AGE}."))
    if problems:
        raise InvalidSearch(problems)
    return SearchCriteria(
        destination=destination.strip().upper(),
        stay=Stay(check_in, check_out),
        occupancy=Occupancy(rooms=rooms, adults=adults, child_ages=tuple(child_ages)),
    )
