"""House simulator: a deterministic house behind the real vendor APIs.

``HouseConfig`` describes the house (the seed decides the rest), ``House`` computes its
days, ``start_server`` serves it over HTTP (:mod:`.server`), and
:func:`house_simulator.history.generate` writes its history into a Bronze lake (that
module imports the integration, so it is not imported here). See ``docs/simulator.md``.
"""

from .config import HouseConfig, Location
from .faults import Fault, read_log, write_log
from .house import House
from .server import start_server

__all__ = ["Fault", "House", "HouseConfig", "Location", "read_log", "start_server", "write_log"]
