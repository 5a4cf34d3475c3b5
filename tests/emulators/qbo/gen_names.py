"""Deterministic names for people and companies (unique by construction, as QBO requires)."""

from __future__ import annotations

FIRST = (
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jamal",
    "Keiko",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aaron",
    "Bianca",
    "Carlos",
    "Dana",
)
LAST = (
    "Anders",
    "Brooks",
    "Chen",
    "Diaz",
    "Ellis",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Morgan",
    "Nakamura",
    "O'Brien",
    "Patel",
    "Quist",
    "Reyes",
    "Singh",
    "Torres",
    "Ueda",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zimmer",
)
CO_A = (
    "Northwind",
    "Bluebird",
    "Cedar",
    "Summit",
    "Harbor",
    "Ironwood",
    "Lumen",
    "Meridian",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Silverline",
    "Tidewater",
    "Union",
    "Vantage",
    "Willow",
    "Keystone",
    "Granite",
    "Aurora",
    "Beacon",
    "Coastal",
    "Evergreen",
    "Frontier",
    "Golden Gate",
    "Highland",
)
CO_B = (
    "Logistics",
    "Health",
    "Foods",
    "Capital",
    "Robotics",
    "Energy",
    "Media",
    "Retail",
    "Labs",
    "Manufacturing",
    "Biotech",
    "Hospitality",
    "Partners",
    "Systems",
    "Outfitters",
    "Dental",
    "Realty",
    "Aerospace",
    "Analytics",
    "Apparel",
)
SUFFIX = ("Inc.", "LLC", "Co.", "Group", "Corp.")
VENDORS = (
    "WeWork Offices",
    "Pacific Gas & Electric",
    "Comcast Business",
    "Amazon Web Services",
    "Salesforce",
    "Atlassian",
    "Delta Air Lines",
    "United Airlines",
    "Marriott Hotels",
    "Uber",
    "Staples",
    "Dell Technologies",
    "Apple",
    "Gusto",
    "Blue Shield of California",
    "Hartford Insurance",
    "KPMG Tax Services",
    "Wilson Sonsini",
    "LinkedIn Marketing",
    "Google Ads",
    "Zoom Video",
    "Slack Technologies",
    "Adobe",
    "FedEx",
    "Coursera for Business",
)


def person(i: int) -> tuple[str, str]:
    """The i-th (given, family) name; unique for i < len(FIRST) * len(LAST)."""
    return FIRST[i % len(FIRST)], LAST[(i // len(FIRST) + i) % len(LAST)]


def company(i: int) -> str:
    """The i-th customer company name; unique for any i (a numeric suffix past the combinations)."""
    base = len(CO_A) * len(CO_B)
    a, b = CO_A[i % len(CO_A)], CO_B[(i // len(CO_A)) % len(CO_B)]
    name = f"{a} {b} {SUFFIX[(i // base) % len(SUFFIX)]}"
    rounds = i // (base * len(SUFFIX))
    return name if rounds == 0 else f"{name} {rounds + 1}"


def vendor(i: int) -> str:
    name = VENDORS[i % len(VENDORS)]
    rounds = i // len(VENDORS)
    return name if rounds == 0 else f"{name} ({rounds + 1})"
