from tests.fakes.whatsapp import graph, rig

__all__ = ["graph", "rig"]
