"""wassenaar-kg: a knowledge graph and policy reasoner for export controls on cyber-intrusion and
surveillance items (Wassenaar 4.A.5, 4.D.4, 4.E.1.c, 5.A.1.j; EAR License Exception ACE)."""

__version__ = "0.1.0"


def check(*args, **kwargs):
    """Decide export transactions; see wassenaar_kg.api.check."""
    from .api import check as _check

    return _check(*args, **kwargs)
