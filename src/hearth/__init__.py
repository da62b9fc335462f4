"""hearth: one home app for every compatible device, and a curated crowdfunding mall."""

__version__ = "0.1.0"
