"""The mall: partner companies and their stores, product review, campaigns, orders."""
