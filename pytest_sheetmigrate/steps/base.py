"""What every step is: a name, the context it reads and the writer it hands its requests to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from ..context import SheetContext
from ..results import StepName

if TYPE_CHECKING:
    from ..writer import Writer


class Step(ABC):
    """One step of a migration over ``context`` (read-only) and ``writer``. A subclass adds
    ``run(...)``, whose explicit inputs are earlier steps' outcomes and whose result is its own."""

    name: StepName

    def __init__(self, context: SheetContext, writer: Writer) -> None:
        self.context = context
        self.writer = writer

    @abstractmethod
    def done_on_sheet(self) -> bool:
        """Whether the sheet (its stamps, or the effect of the step) says the step is done."""
