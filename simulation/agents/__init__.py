"""People as Mesa agents: one role a file.

Every agent runs the same decision rules in every org design; designs differ only in the
incentives, structure and rules those decisions see (levers in the scenario). Agents
change only themselves: handing leads over, blaming and giving feedback go through the
model and its lead store.
"""

from .account_executive import AccountExecutive
from .base import Person
from .leader import Leader
from .marketer import Marketer
from .sdr import SDR

__all__ = ["AccountExecutive", "Leader", "Marketer", "Person", "SDR"]
