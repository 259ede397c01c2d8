"""The offers a store holds: one read back from its JSON (`offer`), and all of them written as files next to
the store (`save_offers`: one file per DS named by `offer_file`, in the folder `OFFERS_FOLDER` names), the files
chapter 10 reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr

from forlab.p1_for.offer import Offer

__all__ = [
    "OFFERS_FOLDER",
    "offer",
    "offer_file",
    "save_offers",
]


def offer(st: xr.Dataset, ds: str) -> Offer:
    """The offer of DS ``ds`` stored in ``offer_json``."""
    return Offer.from_dict(json.loads(str(st.offer_json.sel(ds=ds).values)))


def offer_file(ds: str) -> str:
    """The file name of DS ``ds``'s offer next to the store (``<system>__<DS>.json``)."""
    return ds.replace("/", "__") + ".json"


OFFERS_FOLDER = "-offers"
"""What `save_offers` appends to a store's stem for the folder of its offers; chapter 10 points a user there."""


def save_offers(st: xr.Dataset, path: Path) -> Path:
    """Every offer of the store as a JSON file in ``<store stem>-offers/`` next to the store at ``path``
    (`OFFERS_FOLDER`)."""
    offer_dir = Path(path).parent / f"{Path(path).stem}{OFFERS_FOLDER}"
    offer_dir.mkdir(exist_ok=True)
    for ds in st.ds.values:
        offer(st, str(ds)).save(offer_dir / offer_file(str(ds)))
    return offer_dir
