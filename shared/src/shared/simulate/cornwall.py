"""The simulated county's fixed geography and prices: Cornwall's postcode districts and four pricing levels.

The figures are the shape of a real council's DPS (Cornwall: about 2,700 council-funded packages and
680 NHS-funded, 34,000 hours a week); the rates are April rates of the kind councils publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Per package a week at scale 1, the county's published volumes.
COUNCIL_PACKAGES = 2_700
NHS_PACKAGES = 680


@dataclass(frozen=True)
class LevelSpec:
    """A pricing level with this April's rates and last April's, by service type."""

    id: str
    name: str
    ongoing: Decimal
    enablement: Decimal
    last_year_ongoing: Decimal
    last_year_enablement: Decimal


@dataclass(frozen=True)
class ZoneGeo:
    """A zone of the county: its pricing level, postcode districts, centre and share of demand."""

    id: str
    name: str
    level: str
    districts: tuple[str, ...]
    lat: float
    lon: float
    weight: int
    # Below 1 where care is hard to staff: providers there take on less, so some packages go unplaced.
    staffing: float = 1.0


LEVELS = (
    LevelSpec("urban", "Urban", Decimal("21.37"), Decimal("23.10"), Decimal("20.62"), Decimal("22.30")),
    LevelSpec("town", "Town", Decimal("22.15"), Decimal("23.90"), Decimal("21.40"), Decimal("23.05")),
    LevelSpec("rural", "Rural", Decimal("23.85"), Decimal("25.40"), Decimal("23.00"), Decimal("24.50")),
    LevelSpec("remote", "Remote", Decimal("25.60"), Decimal("27.20"), Decimal("24.70"), Decimal("26.25")),
)

ZONES = (
    ZoneGeo("truro", "Truro and Roseland", "urban", ("TR1", "TR2", "TR3", "TR4"), 50.263, -5.051, 12),
    ZoneGeo("falmouth", "Falmouth and Penryn", "urban", ("TR10", "TR11"), 50.154, -5.071, 9),
    ZoneGeo("camborne", "Camborne, Pool and Redruth", "urban", ("TR14", "TR15", "TR16"), 50.224, -5.262, 12),
    ZoneGeo("st-austell", "St Austell and Mevagissey", "town", ("PL25", "PL26"), 50.339, -4.790, 11),
    ZoneGeo("newquay", "Newquay and St Columb", "town", ("TR7", "TR8", "TR9"), 50.414, -5.076, 8),
    ZoneGeo("penzance", "Penzance and St Ives", "town", ("TR18", "TR19", "TR20", "TR26"), 50.119, -5.537, 10),
    ZoneGeo("bodmin", "Bodmin and Wadebridge", "rural", ("PL27", "PL30", "PL31"), 50.471, -4.719, 8),
    ZoneGeo("liskeard", "Liskeard and Looe", "rural", ("PL13", "PL14"), 50.455, -4.465, 7),
    ZoneGeo("saltash", "Saltash and Torpoint", "rural", ("PL10", "PL11", "PL12"), 50.408, -4.225, 8),
    ZoneGeo("launceston", "Launceston and Callington", "remote", ("PL15", "PL17"), 50.637, -4.360, 5, 0.7),
    ZoneGeo("bude", "Bude and Stratton", "remote", ("EX22", "EX23"), 50.829, -4.543, 4, 0.55),
    ZoneGeo("lizard", "Helston and the Lizard", "remote", ("TR12", "TR13"), 50.101, -5.275, 6, 0.8),
)

PROVIDER_NAMES = (
    "Kernow Care", "Moorland Homecare", "Clay Country Carers", "Tamar Valley Care", "Roseland Support",
    "Penwith Homecare", "Carrick Care Services", "Atlantic Coast Carers", "Fal Estuary Care", "Bodmin Moor Care",
    "Lizard Point Support", "Camel Trail Homecare", "Looe Valley Care", "Rame Head Carers", "North Cornwall Care",
    "St Piran Support", "Trelawny Homecare", "Mount's Bay Care", "Hayle Estuary Carers", "Duchy Home Support",
    "Caradon Care", "Restormel Homecare", "Kerrier Carers", "Polperro Care", "Padstow Home Support",
    "Goonhilly Carers", "Bude Haven Care", "Launceston Castle Care", "Callington Carers", "Tintagel Homecare",
    "Godrevy Care", "Carn Brea Support", "Lanhydrock Homecare", "Helford Care", "Mevagissey Carers",
    "Perranporth Care", "St Agnes Home Support", "Portreath Carers", "Gwithian Care", "Chacewater Homecare",
    "Probus Care", "Fowey River Carers", "Lostwithiel Care", "Boscastle Support", "Stratton Homecare",
    "Torpoint Carers", "Saltash Bridge Care", "Wadebridge Homecare", "Newlyn Carers", "Marazion Care",
)

GIVEN_NAMES = (
    "Morwenna", "Jory", "Tamsin", "Kerensa", "Piran", "Demelza", "Jenifer", "Lowen", "Kitto", "Elowen",
    "Peder", "Tressa", "Bryok", "Senara", "Talan", "Wenna", "Arthur", "Edith", "Harold", "Margaret",
)
FAMILY_NAMES = (
    "Trelawny", "Penhale", "Tregenza", "Rowe", "Nance", "Carne", "Pascoe", "Trevithick", "Polglase", "Tremayne",
    "Jago", "Couch", "Hocking", "Kitto", "Libby", "Opie", "Rodda", "Sandercock", "Tonkin", "Uren",
)
STREETS = ("Fore Street", "Chapel Hill", "Church Road", "Trelawney Way", "Station Road", "Quay Street", "Boscawen Road")
